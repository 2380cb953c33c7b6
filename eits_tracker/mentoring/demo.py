"""Demo data for the mentor network: mentors, mentee contacts, assignments, sessions, follow-ups.

Called by ``tracking.demo.generate`` once the status history is planned but not yet written.
People, assignments and sessions are inserted first (their ids are needed); then a few planned
history changes of the measures a session dealt with are tagged as agreed in it: moved back to
the session's end, but only inside their own quarter and strictly between the neighbouring
changes of the measure, so the status as of every quarter end (and now) stays what it was. Its
own random stream (seed + ":mentors") leaves the status data untouched.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from eits_tracker.db import models as m
from eits_tracker.mentoring.vocab import FORMATS
from eits_tracker.mentoring.vocab import LABELS as SESSION_LABELS
from eits_tracker.text import fold
from eits_tracker.timeutil import TALLINN
from eits_tracker.tracking.municipalities import APPROACHES
from eits_tracker.tracking.vocab import LABELS as STATUS_LABELS

#: (name, home municipality, expertise): practitioners from the larger, further advanced towns.
MENTORS = [
    ("Kadri Tamm", "Tallinn", ["ORP", "ISMS.1"]),
    ("Andres Saar", "Tallinn", ["NET", "SYS", "OPS.1.1.5"]),
    ("Piret Kask", "Tartu linn", ["CON", "CON.3", "OPS.1.2.2"]),
    ("Margus Mägi", "Tartu linn", ["DER", "DER.2.1", "OPS.1.1.3"]),
    ("Liina Rebane", "Pärnu linn", ["ORP", "CON.2"]),
    ("Tarmo Kukk", "Viljandi linn", ["SYS", "APP.5.3"]),
    ("Kristiina Ilves", "Rakvere linn", ["ISMS", "ORP"]),
    ("Urmas Pärn", "Haapsalu linn", ["NET", "INF"]),
    ("Merike Lepp", "Saaremaa vald", ["OPS", "OPS.2.2"]),
    ("Rein Kuusk", "Viimsi vald", ["CON.3", "DER.4"]),
    ("Signe Oja", "Rae vald", ["ORP.3", "ORP.4"]),
    ("Jaanus Sepp", "Võru linn", ["APP", "SYS.EE.1"]),
    ("Eve Luik", "Paide linn", ["ISMS.1", "DER.3.1"]),
    ("Priit Kõiv", "Saue vald", ["NET.3.2", "OPS.1.1.4"]),
    ("Helen Raudsepp", "Keila linn", ["ORP.4", "APP.2.2"]),
]
SPECIALIST = ("Tiina Vaher", "elvl.ee", ["ISMS", "ORP", "CON"])  # ELVL, no home municipality
FIRST = "Mari Kati Anneli Kristi Marika Katrin Maris Triin Heli Ülle Reet Sirje Külli Aivar Toomas Jaan Peeter Raivo Indrek Marko Ain Siim Madis Kalle Meelis Tõnu Veiko Liis".split()  # noqa: E501, SIM905
LAST = "Mets Ots Laur Rand Põld Kivi Koppel Vares Lill Jõgi Unt Pihlak Teder Kallas Aas Org Vaino Karu Nurk Sild Kuusik Männik Paju Roos Saks Toom Lõhmus Sarapuu".split()  # noqa: E501, SIM905
#: Where small municipalities usually need help first: organisation, backups, patching, incidents, cloud.
COMMON = set(
    "ISMS.1 ORP.1 ORP.2 ORP.3 ORP.4 ORP.5 CON.2 CON.3 CON.6 OPS.1.1.3 OPS.1.1.4 OPS.1.1.5 OPS.1.2.2 OPS.2.2 "  # noqa: SIM905
    "OPS.2.3 DER.2.1 DER.4 SYS.2.1 SYS.3.1 NET.3.2 INF.7 APP.1.1 APP.5.3".split()
)
TAGGABLE = {"not_implemented", "partial", "implemented"}
ROMAN = ("I", "II", "III", "IV")
PHRASES = {
    None: ["veel hindamata; vaatasime nõude läbi ja hindame järgmiseks korraks", "hindamata; selgitasime nõude sisu"],
    "not_implemented": ["rakendamata; arutasime, millest alustada", "alustamata, vastutaja on veel määramata"],
    "partial": ["osaliselt rakendatud; kord on olemas, kuid kinnitamata", "osaliselt rakendatud; dokumendid puudu"],
    "implemented": ["rakendatud; vaatasime üle tõendid", "rakendatud; lepiti kokku iga-aastane ülevaatus"],
}
FOLLOW_MEASURE = [
    "Koostada meetme {code} kirjalik kord ja saata mentorile üle vaatamiseks",
    "Määrata meetme {code} rakendamise vastutaja ja tähtaeg",
    "Koguda meetme {code} rakendamise tõendid (protokollid, ekraanipildid)",
    "Arutada meetme {code} nõuet IT-teenuse pakkujaga ja lisada see lepingusse",
    "Esitada meetme {code} rakendusplaan {gov}valitsusele kinnitamiseks",
]
FOLLOW_GENERAL = [
    "Saata mentorile kehtiv infoturbepoliitika ja IT-varade nimekiri",
    "Korraldada töötajatele infoturbe teadlikkuse koolitus",
    "Kutsuda järgmisele kohtumisele IT-teenuse pakkuja esindaja",
    "Uuendada E-ITS rakendusplaani ja vaadata tähtajad üle",
    "Tutvustada infoturbe tööplaani {gov}valitsuse istungil",
]
DROP_REASONS = [
    "Teenusepakkuja lahendab selle lepingu raames; eraldi tegevust pole vaja.",
    "Asendati üldisema tegevusega infoturbe tööplaanis.",
    "Eelarve puudumise tõttu lükati järgmisse aastasse.",
    "Vastutaja lahkus; ülesanne läheb uue infoturbejuhi tööplaani.",
]
END_REASON = "Mentorlus lõppes; vald jätkab infoturbe tööplaani alusel ise."


@dataclass
class Scope:
    """What the status generator settled for a municipality: its edition and applicable modules."""

    edition_id: int
    modules: set[str]


@dataclass
class NetworkCounts:
    mentors: int = 0
    assignments: int = 0
    sessions: int = 0
    followups: int = 0
    session_changes: int = 0


@dataclass
class _Plan:
    mentor: int  # index into the mentors
    muni: m.Municipality
    start: date = date.min
    end: date = date.min
    focus: list[str] = field(default_factory=list)


@dataclass
class _Catalogue:
    modules: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (title, layer)
    measures: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # module -> [(code, level)]
    measure: dict[str, tuple[str, str]] = field(default_factory=dict)  # code -> (module, title)


@dataclass
class _Mentee:
    muni: m.Municipality
    contact: str
    colleague: str
    cat: _Catalogue
    modules: set[str]
    history: dict[str, tuple[int, list[dict[str, Any]]]] = field(default_factory=dict)  # code -> (status, rows)

    def in_scope(self, module: str) -> list[str]:
        levels = APPROACHES.get(self.muni.approach, ("basic",))
        return [code for code, level in self.cat.measures.get(module, []) if level in levels]

    def status_at(self, code: str, at: datetime) -> str | None:
        found = self.history.get(code)
        rows = found[1] if found else []
        return next((r["new_status"] for r in reversed(rows) if r["changed_at"] <= at), None)


def generate_network(
    session: Session,
    *,
    seed: int,
    end: date,
    now: datetime,
    quarters: Sequence[tuple[str, datetime, datetime]],
    municipalities: Sequence[m.Municipality],
    scopes: dict[int, Scope],
    statuses: list[dict[str, Any]],
    pending_history: list[tuple[int, list[dict[str, Any]]]],
    actor: str,
) -> NetworkCounts:
    """Insert the network; tag agreed changes in ``pending_history`` (and ``statuses``) in place."""
    rng = random.Random(f"{seed}:mentors")
    conn = session.connection()
    by_name = {mu.name: mu for mu in municipalities}
    mentors = [(name, by_name[home], exp) for name, home, exp in MENTORS if home in by_name]
    first = quarters[0][1].astimezone(TALLINN).date()
    plans = _deal(rng, mentors, municipalities, first, end - timedelta(days=75))
    if not plans:
        return NetworkCounts()
    catalogue = _catalogue(conn, {scopes[p.muni.id].edition_id for p in plans})  # type: ignore[index]

    created = quarters[0][1] - timedelta(days=14)
    people = [_person(name, _domain(mu), mu.id, ["mentor"], exp, created) for name, mu, exp in mentors]
    people.append(_person(SPECIALIST[0], SPECIALIST[1], None, ["specialist"], SPECIALIST[2], created))
    taken = {name for name, _, _ in mentors} | {SPECIALIST[0]}
    mentees: dict[int | None, _Mentee] = {}
    for plan in plans:
        mu = plan.muni
        if mu.id not in mentees:
            scope = scopes[mu.id]  # type: ignore[index]
            names = _new_name(rng, taken), _new_name(rng, taken)
            mentees[mu.id] = _Mentee(mu, *names, catalogue[scope.edition_id], scope.modules)
            people.append(_person(names[0], _domain(mu), mu.id, ["contact"], [], created))
    person_ids = _insert(conn, m.Person, people)

    rows: list[dict[str, Any]] = []
    for plan in plans:
        plan.focus = _focus(rng, mentees[plan.muni.id], mentors[plan.mentor][2])
        rows.append(
            {
                "mentor_id": person_ids[plan.mentor],
                "municipality_id": plan.muni.id,
                "start_date": plan.start,
                "end_date": plan.end,
                "focus_modules": plan.focus,
                "goal": _goal(rng, plan, mentees[plan.muni.id].cat),
                "created_by": actor,
                "created_at": datetime.combine(plan.start - timedelta(days=rng.randint(1, 10)), time(10), TALLINN),
            }
        )
    assignment_ids = _insert(conn, m.Assignment, rows)

    for index, history in pending_history:
        if (mentee := mentees.get(history[0]["municipality_id"])) is not None:
            mentee.history[history[0]["measure_code"]] = (index, history)
    planner = _Planner(rng, quarters, end, now, statuses, actor)
    for plan, assignment_id in zip(plans, assignment_ids, strict=True):
        mentor = (mentors[plan.mentor][0], person_ids[plan.mentor])
        planner.assignment(plan, mentees[plan.muni.id], assignment_id, *mentor)

    session_ids = _insert(conn, m.MentorSession, planner.sessions)
    for row, index in planner.tagged:
        row["session_id"] = session_ids[index]
    for index, closed_in, row in planner.followups:
        row["session_id"] = session_ids[index]
        row["closed_in_session_id"] = None if closed_in is None else session_ids[closed_in]
    if planner.followups:
        conn.execute(insert(m.FollowUp), [row for _, _, row in planner.followups])
    return NetworkCounts(len(mentors), len(plans), len(planner.sessions), len(planner.followups), len(planner.tagged))


@dataclass
class _Planner:
    """Sessions of one assignment after another, with their follow-ups and the changes agreed in them."""

    rng: random.Random
    quarters: Sequence[tuple[str, datetime, datetime]]
    end: date
    now: datetime
    statuses: list[dict[str, Any]]
    actor: str
    sessions: list[dict[str, Any]] = field(default_factory=list)
    followups: list[tuple[int, int | None, dict[str, Any]]] = field(default_factory=list)  # (session, closed in, row)
    tagged: list[tuple[dict[str, Any], int]] = field(default_factory=list)  # (history row, session)

    def assignment(self, plan: _Plan, mentee: _Mentee, assignment_id: int, mentor: str, mentor_id: int) -> None:
        rng = self.rng
        times = self._times(plan) if plan.focus else []
        for k, (held, minutes, fmt) in enumerate(times):
            ended = held + timedelta(minutes=minutes)
            discussed: list[str] = []
            for mod in sorted(rng.sample(plan.focus, rng.randint(1, min(3, len(plan.focus))))):
                options = mentee.in_scope(mod)
                open_ = [c for c in options if mentee.status_at(c, held) != "implemented"] or options
                discussed += rng.sample(open_, min(len(open_), rng.randint(1, 2)))
            agreed = self._tag(plan, mentee, discussed, ended)
            discussed += [code for code, _old, _new in agreed if code not in discussed]
            session = {
                "assignment_id": assignment_id,
                "municipality_id": mentee.muni.id,
                "mentor_id": mentor_id,
                "held_at": held,
                "duration_minutes": minutes,
                "format": fmt,
                "participants": [mentee.contact] + ([mentee.colleague] if rng.random() < 0.3 else []),
                "modules": sorted({mentee.cat.measure[code][0] for code in discussed}),
                "measures": discussed,
                "recorded_by": self.actor,
                "recorded_at": ended,  # as record_session does: agreed changes and follow-ups carry this time
            }
            todo = self._followups(mentee, mentor, session)
            for row in todo:
                closed_in = self._close(row, times[k + 1] if k + 1 < len(times) else None, plan.end >= self.end)
                self.followups.append((len(self.sessions), len(self.sessions) + 1 if closed_in else None, row))
            session["notes"] = self._notes(mentee, mentor, session, agreed, todo)
            session["measures"] = sorted(discussed)
            self.sessions.append(session)

    def _times(self, plan: _Plan) -> list[tuple[datetime, int, str]]:
        """Roughly monthly on weekdays from the start to the end (or now); now and then a month is skipped."""
        rng = self.rng
        out: list[tuple[datetime, int, str]] = []
        day, stop = plan.start + timedelta(days=rng.randint(2, 14)), min(plan.end, self.end)
        while True:
            while day.weekday() >= 5:
                day += timedelta(days=1)
            if day > stop:
                return out
            fmt = rng.choices(FORMATS, (3, 6, 1))[0]
            minutes = rng.choice((60, 75, 90, 105, 120) if fmt == "on_site" else (45, 60, 60, 75, 90))
            at = time(rng.choice((9, 10, 11, 13, 14)), rng.choice((0, 30)))
            held = datetime.combine(day, at, TALLINN).astimezone(UTC)
            if held + timedelta(minutes=minutes) > self.now:
                return out
            if rng.random() > 0.1 or not out:
                out.append((held, minutes, fmt))
            day += timedelta(days=rng.randint(26, 37))

    def _tag(self, plan: _Plan, mentee: _Mentee, discussed: list[str], ended: datetime) -> list[tuple[str, Any, str]]:
        """Let a few changes of focus measures, planned later in the session's quarter, be agreed in it:
        moved back to the session's end, which stays after the measure's previous change."""
        q_end = next((q_end for _label, start, q_end in self.quarters if start <= ended < q_end), None)
        if q_end is None:
            return []
        candidates = []
        for mod in plan.focus:
            for code in mentee.in_scope(mod):
                index, rows = mentee.history.get(code, (0, []))
                i = next((i for i, r in enumerate(rows) if r["changed_at"] > ended), None)
                if i is None or rows[i]["changed_at"] >= q_end or (i and rows[i - 1]["changed_at"] >= ended):
                    continue
                if rows[i]["source"] == "demo" and rows[i]["new_status"] in TAGGABLE:
                    candidates.append((code not in discussed, self.rng.random(), code, index, rows, i))
        candidates.sort(key=lambda c: c[:2])
        agreed = []
        for _far, _r, code, index, rows, i in candidates[: self.rng.choice((0, 1, 1, 2))]:
            rows[i].update(changed_at=ended, source="session")
            self.tagged.append((rows[i], len(self.sessions)))
            if i == len(rows) - 1:
                self.statuses[index]["updated_at"] = ended
            agreed.append((code, rows[i]["old_status"], rows[i]["new_status"]))
        return agreed

    def _followups(self, mentee: _Mentee, mentor: str, session: dict[str, Any]) -> list[dict[str, Any]]:
        rng, out, seen = self.rng, [], set()
        gov = "linna" if mentee.muni.kind == "linn" else "valla"
        for _ in range(rng.choice((1, 2, 2, 3))):
            r, code, owner = rng.random(), None, rng.choice(session["participants"])
            if r < 0.6:
                code = rng.choice(session["measures"])
                text = rng.choice(FOLLOW_MEASURE).format(code=code, gov=gov)
            elif r < 0.75:
                mod = rng.choice(session["modules"])
                text = f"Jagada oma asutuse näidisdokumente ({mod} {mentee.cat.modules[mod][0]})"
                owner = mentor
            else:
                text = rng.choice(FOLLOW_GENERAL).format(gov=gov)
            if text not in seen:
                seen.add(text)
                due = session["held_at"].astimezone(TALLINN).date() + timedelta(days=rng.choice((14, 21, 28, 45, 60)))
                out.append(
                    {
                        "municipality_id": mentee.muni.id,
                        "description": text,
                        "measure_code": code,
                        "owner": owner,
                        "due_date": due,
                        "state": "open",
                        "reason": "",
                        "closed_at": None,
                        "closed_by": "",
                        "created_at": session["recorded_at"],
                    }
                )
        return out

    def _close(self, row: dict[str, Any], following: tuple[datetime, int, str] | None, ongoing: bool) -> bool:
        """Done or dropped in the next session when there is one (True); after the last session some
        are closed later, some never."""
        r = self.rng.random()
        if following is not None:
            if r >= 0.99:
                return False
            at = following[0] + timedelta(minutes=following[1])
            reason = "" if r < 0.9 else self.rng.choice(DROP_REASONS)
            row.update(state="dropped" if reason else "done", reason=reason, closed_at=at, closed_by=self.actor)
            return True
        if ongoing:  # what was due by now is mostly done, what is due later mostly still open
            if r < (0.3 if row["due_date"] < self.end else 0.85):
                return False
            at = row["created_at"] + (self.now - row["created_at"]) * self.rng.uniform(0.2, 0.95)
        else:
            at = row["created_at"] + timedelta(days=self.rng.randint(3, 30), hours=self.rng.randint(0, 6))
            if r < 0.1 or at > self.now:
                return False
        reason = "" if ongoing or r < 0.8 else END_REASON
        row.update(state="dropped" if reason else "done", reason=reason, closed_at=at, closed_by=self.actor)
        return False

    def _notes(self, mentee: _Mentee, mentor: str, session: dict[str, Any], agreed: list[Any], todo: list[Any]) -> str:
        """The minutes in Markdown, as a mentor would write them."""
        cat, et, held = mentee.cat, STATUS_LABELS["et"], session["held_at"]
        lines = [
            f"## Mentorkohtumine {held.astimezone(TALLINN):%d.%m.%Y} ({SESSION_LABELS['et'][session['format']]})",
            "",
            f"**Osalejad:** {mentor} (mentor), {', '.join(session['participants'])}",
            "",
            "### Arutatud",
            "",
        ]
        for mod in session["modules"]:
            lines.append(f"- **{mod} {cat.modules[mod][0]}**")
            for code in (c for c in session["measures"] if cat.measure[c][0] == mod):
                status = mentee.status_at(code, held)
                phrase = self.rng.choice(PHRASES[status]) if status in PHRASES else f"{et[status]}; otsus üle vaadatud"  # type: ignore[index]
                lines.append(f"  - {code} „{cat.measure[code][1]}“: {phrase}")
        lines += ["", "### Kokkulepped", ""]
        lines += [f"- {code}: {et[old or 'not_assessed']} → {et[new]}" for code, old, new in agreed]
        lines += [f"- {f['description']} — {f['owner']}, tähtaeg {f['due_date']:%d.%m.%Y}" for f in todo]
        return "\n".join(lines) + "\n"


def _insert(conn: Any, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Core executemany that hands back the new ids in the order of ``rows`` (both backends)."""
    if not rows:
        return []
    table = model.__table__
    return list(conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars())


def _catalogue(conn: Any, edition_ids: set[int]) -> dict[int, _Catalogue]:
    out = {eid: _Catalogue() for eid in edition_ids}
    mo, me = m.Module.__table__.c, m.Measure.__table__.c  # type: ignore[attr-defined]
    modules = select(mo.edition_id, mo.code, mo.title, mo.layer_code).where(mo.edition_id.in_(edition_ids))
    for eid, code, title, layer in conn.execute(modules):
        out[eid].modules[code] = (title, layer)
    measures = select(me.edition_id, me.module_code, me.code, me.title, me.level).where(me.edition_id.in_(edition_ids))
    for eid, module, code, title, level in conn.execute(measures.order_by(me.id)):
        out[eid].measures.setdefault(module, []).append((code, level))
        out[eid].measure[code] = (module, title)
    return out


def _domain(mu: m.Municipality) -> str:
    base = "".join(fold(mu.name.removesuffix(" linn").removesuffix(" vald")).split())
    return f"{base}vald.ee" if mu.kind == "vald" else f"{base}.ee"


def _person(name: str, domain: str, muni: int | None, roles: list[str], exp: list[str], at: datetime) -> dict[str, Any]:
    email = ".".join(fold(name).split()) + "@" + domain  # Margus Mägi -> margus.magi@tartu.ee
    return dict(name=name, email=email, municipality_id=muni, roles=roles, expertise=exp, created_at=at, updated_at=at)


def _new_name(rng: random.Random, taken: set[str]) -> str:
    while (name := f"{rng.choice(FIRST)} {rng.choice(LAST)}") in taken:
        pass
    taken.add(name)
    return name


def _deal(
    rng: random.Random,
    mentors: list[tuple[str, m.Municipality, list[str]]],
    munis: Sequence[m.Municipality],
    first: date,
    last: date,
) -> list[_Plan]:
    """Mentees (mostly small municipalities, a few with two mentors) dealt to the mentors, 2–4 each,
    neighbours in the same county preferred; periods of 6–18 months spread over the quarters; a
    couple of finished assignments renewed with the same mentor."""
    homes = {mu.id for _, mu, _ in mentors}
    others = sorted((mu for mu in munis if mu.id not in homes), key=lambda mu: mu.ehak_code)  # not by collation
    small = [mu for mu in others if (mu.population or 0) < 12000]
    larger = [mu for mu in others if (mu.population or 0) >= 12000]
    if len(mentors) < 2 or len(others) < 8 or last <= first:
        return []
    mentees = rng.sample(small, min(len(small), 31)) + rng.sample(larger, min(len(larger), 3))
    counts = [2] * len(mentors)
    while sum(counts) < min(len(mentees) + 4, 4 * len(mentors)):
        counts[rng.choice([i for i, c in enumerate(counts) if c < 4])] += 1
    slots = mentees + rng.sample(mentees, max(0, sum(counts) - len(mentees)))
    for _attempt in range(100):  # a mentor never gets the same mentee twice; reshuffle if stuck
        pool, plans = list(slots), []
        for i, (_name, home, _exp) in enumerate(mentors):
            mine: set[int | None] = set()
            for _ in range(counts[i]):
                choices = [mu for mu in pool if mu.id not in mine]
                if not choices:
                    break
                mu = rng.choices(choices, [4 if mu.county == home.county else 1 for mu in choices])[0]
                pool.remove(mu)
                mine.add(mu.id)
                plans.append(_Plan(i, mu))
        if not pool:
            break
    span = (last - first).days
    starts = [first + timedelta(days=int((i + rng.random()) * span / len(plans))) for i in range(len(plans))]
    rng.shuffle(starts)
    for plan, start in zip(plans, starts, strict=True):
        plan.start, plan.end = start, start + timedelta(days=rng.randint(182, 548) - 1)
    done = [p for p in plans if p.end + timedelta(days=60) <= last]
    for p in rng.sample(done, min(2, len(done))):
        start = p.end + timedelta(days=rng.randint(1, 21))
        plans.append(_Plan(p.mentor, p.muni, start, start + timedelta(days=rng.randint(182, 300) - 1)))
    return plans


def _focus(rng: random.Random, mentee: _Mentee, expertise: list[str]) -> list[str]:
    """2–4 applicable modules with measures in scope, leaning to the mentor's expertise."""
    cat = mentee.cat
    options = [code for code in sorted(mentee.modules & cat.modules.keys()) if mentee.in_scope(code)]
    weights = [(8 if c in COMMON else 1) * (3 if {c, cat.modules[c][1]} & set(expertise) else 1) for c in options]
    picked: list[str] = []
    for _ in range(min(len(options), rng.randint(2, 4))):
        i = rng.choices(range(len(options)), weights)[0]
        picked.append(options.pop(i))
        weights.pop(i)
    return sorted(picked)


def _goal(rng: random.Random, plan: _Plan, cat: _Catalogue) -> str:
    when = f"{plan.end.year}. aasta {ROMAN[(plan.end.month - 1) // 3]} kvartaliks"
    layers = list(dict.fromkeys(cat.modules[code][1] for code in plan.focus))
    pick = rng.randrange(3)
    if pick == 0:
        return f"Kõik {_and(layers)} põhimeetmed rakendatud {when}"
    if pick == 1:
        return f"Moodulite {_and(plan.focus)} põhimeetmed vähemalt osaliselt rakendatud ja dokumenteeritud {when}"
    code = plan.focus[0]
    return f"{code} „{cat.modules[code][0]}“: nõuded täidetud ja vastutajad määratud {when}"


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} ja {items[-1]}"
