"""The demo wiki's pages: how municipalities solved E-ITS measures, in Estonian (data, not code).

Each entry: (title, tags, modules, measures, body). Codes are E-ITS 2024 codes; a test checks
every [[link]] resolves.
"""

from __future__ import annotations

PAGES: list[tuple[str, list[str], list[str], list[str], str]] = [
    ("Varukoopiate kord väikesele vallale", ["varundus", "väike vald", "mall"], ["CON.3"], ["CON.3.M2", "CON.3.M5"],
     "## Kellele\n\nVallale, kus IT-d hoiab üks inimene ja serverid on teenusepakkuja juures.\n\n"
     "## Kord\n\n1. Dokumendihaldus ja raamatupidamine varundatakse iga öö ([[CON.3.M5]]).\n"
     "2. Üks koopia on teises hoones või pilves, krüpteeritult ([[CON.3.M14]]).\n"
     "3. Kord kvartalis taastatakse üks kaust proovimiseks ([[CON.3.M15]]).\n\n"
     "Eeskirja mall on lehel [[varundusplaani-mall]]. Kinnitatud vallavanema käskkirjaga."),
    ("Varundusplaani mall", ["varundus", "mall"], ["CON.3"], ["CON.3.M4"],
     "Tabel, mille iga süsteemi kohta täidab IT-juht: **mida** varundatakse, **kui tihti**, **kuhu**, "
     "**kes vastutab** ja **kui kiiresti** peab taastama.\n\n| Süsteem | Sagedus | Asukoht | Taasteaeg |\n"
     "|---|---|---|---|\n| Dokumendihaldus | iga öö | pilv + NAS | 1 päev |\n"
     "| Palgaarvestus | iga öö | pilv | 2 päeva |\n\n"
     "Vt ka [[CON.3.M4]] ja [[varukoopiate-kord-vaikesele-vallale]]."),
    ("Varukoopia taastetest kord kvartalis", ["varundus", "test"], [], ["CON.3.M15"],
     "Taastetest on ainus viis teada, et varukoopia töötab. Meil: iga kvartali esimesel esmaspäeval taastab "
     "IT-partner juhuslikult valitud kausta testkeskkonda ja saadab ekraanipildi infoturbejuhile.\n\n"
     "Tulemus kantakse varundusplaani ([[varundusplaani-mall]])."),
    ("Paroolipoliitika mall", ["paroolid", "mall"], ["ORP.4"], ["ORP.4.M8", "ORP.4.M22"],
     "## Põhimõtted\n\n- Vähemalt 12 märki, parooliloendi kontroll, sunnitud vahetust ei ole ([[ORP.4.M22]]).\n"
     "- Kaheastmeline autentimine e-postile ja kaugtööle ([[ORP.4.M9]]).\n"
     "- Paroole ei saadeta e-postiga; jagamiseks paroolihaldur ([[ORP.4.M8]]).\n\n"
     "Mall kinnitati kolmes vallas ilma muudatusteta; audiitor ei leidnud puudusi."),
    ("Paroolihalduri valik ja juurutus", ["paroolid", "tööriistad"], [], ["ORP.4.M8", "ORP.4.M23"],
     "Võrdlesime kolme paroolihaldurit. Valik tehti selle järgi, kas toetab ühist seifi, kaheastmelist "
     "autentimist ja andmete asukohta EL-is ([[ORP.4.M23]]).\n\nJuurutus võttis kaks nädalat; koolitus 30 minutit."),
    ("Kasutajakontode elutsükkel: tulek, muutus, lahkumine", ["kasutajad", "personal"], ["ORP.4"],
     ["ORP.4.M1", "ORP.4.M2"],
     "Personalijuht teatab uuest töötajast vormiga; IT loob konto sama päeva jooksul ([[ORP.4.M2]]).\n\n"
     "Lahkumisel suletakse konto viimasel tööpäeval kell 17 ([[ORP.2.M2]]). Kord on kirjas [[ORP.4.M1]] järgi."),
    ("Uue töötaja infoturbe sisseelamine", ["personal", "koolitus"], ["ORP.2"], ["ORP.2.M1"],
     "Esimesel päeval: konto, paroolipoliitika ([[paroolipoliitika-mall]]), tööjaama reeglid ja kellele "
     "intsidendist teatada. Allkiri infoturbe juhendi lehel.\n\nKontroll-loend on personaliosakonnas."),
    ("Töötaja lahkumise kontroll-loend", ["personal", "kasutajad"], [], ["ORP.2.M2", "ORP.4.M2"],
     "- kontod suletud, ligipääsukaart tagastatud\n- tööjaam ja telefon tagastatud, andmed kustutatud "
     "([[CON.6.M12]])\n- jagatud paroolid vahetatud\n\nAllkirjastavad juht ja IT."),
    ("Tööjaama turvaseadistus (Windows 11)", ["tööjaam", "windows"], ["SYS.2.1", "SYS.2.2.3"],
     ["SYS.2.1.M1", "SYS.2.1.M3", "SYS.2.2.3.M4"],
     "## Seadistus\n\n- BitLocker sisse, võti Entra ID-s\n- automaatsed uuendused ([[SYS.2.1.M3]])\n"
     "- kohaliku administraatori õigused ainult IT-l\n- telemeetria madalaimal tasemel ([[SYS.2.2.3.M4]])\n\n"
     "Rühmapoliitikad eksporditi ja on saadaval teistele omavalitsustele."),
    ("Kahjurvaratõrje tsentraalne haldus", ["tööjaam", "kahjurvara"], ["OPS.1.1.4"],
     ["OPS.1.1.4.M3", "OPS.1.1.4.M6"],
     "Kasutame operatsioonisüsteemi sisseehitatud tõrjet tsentraalse konsooliga. Signatuurid uuenevad "
     "automaatselt ([[OPS.1.1.4.M6]]); hoiatused lähevad IT-partneri e-postile."),
    ("Uuenduste paigaldamise kord", ["uuendused", "tööjaam"], ["OPS.1.1.3"], ["OPS.1.1.3.M1", "OPS.1.1.3.M15"],
     "Tööjaamad: automaatselt, 7 päeva viitega. Serverid: iga kuu teisel teisipäeval hoolduse aknas.\n\n"
     "Kriitilised turvauuendused 48 tunni jooksul ([[OPS.1.1.3.M15]])."),
    ("Logimise eeskiri väikesele asutusele", ["logimine", "mall"], ["OPS.1.1.5"], ["OPS.1.1.5.M1", "OPS.1.1.5.M3"],
     "Mida logime: sisselogimised, administraatori tegevused, tulemüüri keelatud ühendused. Säilitame 1 aasta.\n\n"
     "Kellaaeg sünkroniseeritakse ([[OPS.1.1.5.M4]]), logid loeb kord kuus IT-partner."),
    ("Turvaintsidendist teatamise kord", ["intsidendid", "mall"], ["DER.2.1"], ["DER.2.1.M2", "DER.2.1.M4"],
     "Üks telefoninumber ja üks e-posti aadress, mis on igal töötajal kaardil. Teatamisel vastab infoturbejuht "
     "1 tunni jooksul ([[DER.2.1.M4]]).\n\nRasked juhtumid: CERT-EE."),
    ("Andmelekke harjutus vallavalitsuses", ["intsidendid", "õppus"], ["DER.2.1"], ["DER.2.1.M5"],
     "Poolepäevane lauaharjutus: kadunud sülearvuti isikuandmetega. Õppisime, et teavitamise kord "
     "([[turvaintsidendist-teatamise-kord]]) oli liiga pikk; lühendasime selle üheks leheks."),
    ("Avariiplaan, kui vallamaja on ilma vooluta", ["avariid", "talitluspidevus"], ["DER.4"], ["DER.4.M1"],
     "Prioriteedid: rahvastikuregistri toimingud, sotsiaaltoetused, kodulehe teadaanne. Sülearvutid ja "
     "mobiilne internet on kapis; võtmed valvelauas.\n\nAvariiteatmik ([[DER.4.M1]]) on paberil ka valvelauas."),
    ("Infoturbepoliitika ühel leheküljel", ["juhtimine", "mall"], ["ISMS.1"], ["ISMS.1.M3"],
     "Vallavolikogu kinnitas ühe lehekülje pikkuse poliitika: eesmärgid, vastutus, läbivaatus kord aastas "
     "([[ISMS.1.M3]]). Pikem tekst on infoturbejuhi käsiraamatus."),
    ("Infoturbejuhi roll osalise koormusega", ["juhtimine"], ["ISMS.1"], ["ISMS.1.M4", "ISMS.1.M5"],
     "Väikeses vallas on infoturbejuht ka IT-juht või sekretär. Lahendus: 0,2 kohta ja leping välise "
     "infoturbejuhiga nõustamiseks ([[ISMS.1.M5]])."),
    ("Infoturbe aruanne vallavanemale", ["juhtimine", "aruandlus"], [], ["ISMS.1.M12"],
     "Kord kvartalis üks lehekülg: E-ITS rakendamise tase, intsidendid, suuremad riskid, järgmised sammud. "
     "Andmed tulevad eits-trackerist."),
    ("Isikuandmete töötlemise kaardistus", ["isikuandmed", "andmekaitse"], ["CON.2"], ["CON.2.M3"],
     "Tabel kõigist registritest: eesmärk, õiguslik alus, säilitustähtaeg, kellel on ligipääs. "
     "Koostasime koos andmekaitsespetsialistiga kahe kuuga ([[CON.2.M2]])."),
    ("Andmekaitsespetsialist mitme valla peale", ["isikuandmed", "koostöö"], [], ["CON.2.M2"],
     "Neli valda palkasid ühe andmekaitsespetsialisti ühiselt; iga vald maksab veerandi. Tööaeg on jagatud "
     "päevade kaupa."),
    ("Andmekandjate hävitamine", ["kustutamine", "riistvara"], ["CON.6"], ["CON.6.M1", "CON.6.M11"],
     "Vanad kettad viiakse kord aastas sertifitseeritud hävitajale; saame akti seerianumbritega ([[CON.6.M11]])."),
    ("Pilveteenuse valiku kontroll-loend", ["pilv", "hange"], ["OPS.2.2"], ["OPS.2.2.M1", "OPS.2.2.M3"],
     "- andmed EL-is\n- väljumise tingimused lepingus\n- logid ja varukoopiad kättesaadavad\n"
     "- teenuste loend ([[OPS.2.2.M3]]) ajakohane"),
    ("IT-teenuse väljasttellimise lepingu lisa", ["hange", "mall", "leping"], ["OPS.2.3"],
     ["OPS.2.3.M1", "OPS.2.3.M4"],
     "Turvanõuete lisa, mida kasutame IT-partneri lepingus: vastutused, teavitamine intsidendist 24 h "
     "jooksul, auditiõigus ([[OPS.2.3.M4]])."),
    ("Tulemüüri reeglite ülevaatus", ["võrk", "tulemüür"], ["NET.3.2"], ["NET.3.2.M2", "NET.3.2.M14"],
     "Kord poolaastas vaatab IT-partner reeglid läbi koos infoturbejuhiga; iga reegli juures on põhjus ja "
     "omanik ([[NET.3.2.M14]])."),
    ("Külalise WiFi eraldamine", ["võrk", "wifi"], ["NET.2.1"], ["NET.2.1.M5", "NET.2.1.M7"],
     "Külaliste võrk on eraldi VLAN-is ilma ligipääsuta sisevõrku ([[NET.2.1.M7]]). Parool vahetub kord kuus."),
    ("Mobiiltelefonide haldus (MDM)", ["mobiil", "tööriistad"], ["SYS.3.2.2"], ["SYS.3.2.2.M1", "SYS.3.2.2.M3"],
     "Kõik ametitelefonid on haldusvahendis; kaotsimineku korral kustutatakse kaugelt. Isiklikud telefonid "
     "saavad ainult e-posti eraldi profiilis."),
    ("E-posti õngitsuse tõrje ja koolitus", ["e-post", "koolitus"], ["APP.5.3"], ["ORP.3.M3"],
     "Kaks korda aastas simuleeritud õngitsuskiri; klikkijad saavad 10-minutilise koolituse ([[ORP.3.M3]])."),
    ("Infoturbe koolitus juhtkonnale", ["koolitus", "juhtimine"], ["ORP.3"], ["ORP.3.M1"],
     "Tund aega volikogu istungi eel: kolm päris juhtumit omavalitsustest, mida juhtkond peab otsustama."),
    ("Serveri haldusliideste kaitse", ["server", "haldus"], ["SYS.1.1"], ["SYS.1.1.M5", "OPS.1.1.2.M6"],
     "Haldusliidesed on kättesaadavad ainult VPN-ist ja eraldi halduskontoga ([[OPS.1.1.2.M6]])."),
    ("Puhta laua põhimõte vallamajas", ["büroo", "teadlikkus"], ["INF.7"], ["INF.7.M6"],
     "Õhtul laual pole dokumente; ekraan lukustub 5 minutiga. Korrapidaja vaatab kord kuus üle."),
]  # fmt: skip
