"""Full-text search: codes first, Estonian letters either way, hostile input, notes kept in step.

Expected results come from an oracle where it matters: the measures whose code, title or text
has a word starting with the query word, found with a Python regex over the same rows.
"""

from __future__ import annotations

import importlib.util
import itertools
import re

import pytest
from sqlalchemy import select, text
from sqlmodel import Session

from eits_tracker.catalog.queries import find_edition
from eits_tracker.config import load_settings
from eits_tracker.db import models as m
from eits_tracker.db.engine import make_engine
from eits_tracker.db.migrate import HEAD, MIGRATIONS, alembic_config, current_revision, upgrade
from eits_tracker.db.setup import Database, ensure_reference_data, open_database
from eits_tracker.tracking import municipalities as munis
from eits_tracker.tracking.search import (
    FOLD_FROM,
    FOLD_TO,
    SNIPPET_CHARS,
    Hit,
    code_query,
    fold,
    natural_key,
    search,
    snippet,
)
from eits_tracker.tracking.statuses import set_status


def _codes(hits: list[Hit]) -> list[str]:
    return [h.code for h in hits]


def _oracle(session: Session, edition_key: str, *words: str) -> set[str]:
    """Measures of one edition with, for every word, a word in code, title or text starting with it."""
    edition = find_edition(session, edition_key)
    rows = session.execute(
        select(m.Measure.code, m.Measure.title, m.Measure.text).where(m.Measure.edition_id == edition.id)
    ).all()
    patterns = [re.compile(r"(?<![^\W_])" + re.escape(fold(w))) for w in words]
    return {code for code, title, body in rows if all(p.search(fold(f"{code} {title} {body}")) for p in patterns)}


def _measures(session: Session, query: str, edition_key: str = "2024") -> list[Hit]:
    edition = find_edition(session, edition_key)
    return search(session, query, edition_id=edition.id, kinds=("measure",), limit=1000)


# --- the query, without a database ----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("ORP.4", "ORP.4"),
        ("orp.4.m1", "ORP.4.M1"),
        ("ORP 4 M1", "ORP.4.M1"),
        ("Orp4.m1", "ORP.4.M1"),
        ("sys.2.1", "SYS.2.1"),
        ("SYS.2.1.M", "SYS.2.1.M"),
        ("app.ee.1 ", "APP.EE.1"),
        ("ORP", "ORP"),
        ("tööjaam", None),
        ("varundamine", None),
        ("", None),
        ("...", None),
    ],
)
def test_code_queries_are_recognised_and_normalised(query: str, code: str | None) -> None:
    assert code_query(query) == code


def test_codes_sort_naturally() -> None:
    codes = ["ORP.4.M10", "ORP.4.M2", "ORP.4", "ORP.4.M1", "SYS.2.1.M1", "SYS.2.1"]
    assert sorted(codes, key=natural_key) == ["ORP.4", "ORP.4.M1", "ORP.4.M2", "ORP.4.M10", "SYS.2.1", "SYS.2.1.M1"]


def test_snippets_are_one_short_line_around_the_match() -> None:
    body = (
        "a. Alguses on pikk sissejuhatus "
        + "täitetekst " * 30
        + "\n* Serverit ei kasutata *tööjaamana*.\n"
        + "lõpp " * 30
    )
    cut = snippet(body, ["toojaam"])
    assert len(cut) <= SNIPPET_CHARS
    assert "\n" not in cut and "*" not in cut
    assert cut.startswith("…") and cut.endswith("…")
    assert "Serverit ei kasutata tööjaamana." in cut
    assert snippet("Lühike\n  tekst", ["x"]) == "Lühike tekst"
    assert snippet(body, []).startswith("a. Alguses on pikk")  # no match: the start


def test_the_fold_table_maps_letter_for_letter_as_the_migration_does() -> None:
    assert len(FOLD_FROM) == len(FOLD_TO)
    assert FOLD_TO.isascii() and FOLD_TO.islower()
    assert fold("ÕÄÖÜŠŽ õäöüšž") == "oaousz oaousz"
    path = MIGRATIONS / "versions" / "0003_full_text_search.py"
    spec = importlib.util.spec_from_file_location("migration_0003", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert (migration.FOLD_FROM, migration.FOLD_TO) == (FOLD_FROM, FOLD_TO)


# --- codes ----------------------------------------------------------------------------------


def test_exact_code_first_then_codes_beginning_with_it(session: Session) -> None:
    e24 = find_edition(session, "2024")
    hits = search(session, "ORP.4", edition_id=e24.id)
    assert [(h.kind, h.code) for h in hits[:4]] == [
        ("module", "ORP.4"),
        ("measure", "ORP.4.M1"),
        ("measure", "ORP.4.M2"),
        ("measure", "ORP.4.M3"),
    ]
    assert hits[0].title == "Identiteedi- ja õiguste haldus"
    codes = _codes(hits)
    assert codes.index("ORP.4.M9") < codes.index("ORP.4.M10")
    # Text matches (other measures mentioning ORP.4) come only after every code match.
    first_text = next(i for i, h in enumerate(hits) if not h.code.startswith("ORP.4"))
    assert all(not h.code.startswith("ORP.4") for h in hits[first_text:])


@pytest.mark.parametrize("query", ["orp.4.m1", "ORP 4 M1", "Orp4.M1", "ORP.4.M1"])
def test_a_measure_code_in_any_spelling(session: Session, query: str) -> None:
    hits = search(session, query, edition_id=find_edition(session, "2024").id)
    assert _codes(hits)[:4] == ["ORP.4.M1", "ORP.4.M10", "ORP.4.M11", "ORP.4.M12"]
    assert hits[0].kind == "measure" and hits[0].level == "basic" and hits[0].edition_key == "2024"
    assert hits[0].title == "Kasutajakontode halduse eeskiri"
    assert hits[0].snippet.startswith("a. Organisatsioon on koostanud")


def test_module_code_prefix_and_all_editions_newest_first(session: Session) -> None:
    hits = search(session, "sys.2.1")
    assert [(h.code, h.edition_key) for h in hits[:4]] == [
        ("SYS.2.1", "2024"),
        ("SYS.2.1", "2023"),
        ("SYS.2.1.M1", "2024"),
        ("SYS.2.1.M1", "2023"),
    ]
    partial = search(session, "SYS.2.1.M", edition_id=find_edition(session, "2024").id)
    assert _codes(partial)[:3] == ["SYS.2.1.M1", "SYS.2.1.M3", "SYS.2.1.M6"]
    assert all(h.kind == "measure" for h in partial)


# --- words ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spellings", "must_find"),
    [
        (["tööjaam", "toojaam", "TÖÖJAAM", "TOOJAAM", "Tööjaam"], {"SYS.1.1.M1", "APP.3.3.M15"}),
        (["õigus", "oigus", "ÕIGUS", "OIGUS"], {"ORP.5.M1", "ORP.5.M2"}),
        (["üldvastutuse", "uldvastutuse", "ÜLDVASTUTUSE"], {"ISMS.1.M1"}),
        (["pädevuse", "padevuse", "PÄDEVUSE"], {"ISMS.1.M1"}),
        (["režiim", "reziim", "REŽIIM"], {"SYS.1.1.M38", "APP.1.1.M13"}),
    ],
)
def test_estonian_letters_match_with_or_without_diacritics_in_any_case(
    session: Session, spellings: list[str], must_find: set[str]
) -> None:
    expected = _oracle(session, "2024", spellings[0])
    assert must_find <= expected
    for query in spellings:
        found = _measures(session, query)
        assert set(_codes(found)) == expected, query
        assert len(found) == len(expected)  # each measure once


def test_a_note_without_diacritics_is_found_by_a_word_with_them(session: Session) -> None:
    mu = munis.find_municipality(session, "Tartu linn")
    set_status(session, municipality=mu, measure_code="ISMS.1.M1", status="partial", actor="t", note="Uus toojaam")
    session.commit()
    assert [(h.kind, h.code) for h in search(session, "tööjaam", kinds=("note",))] == [("note", "ISMS.1.M1")]


def test_every_folded_letter_matches_both_ways(session: Session) -> None:
    """The fold table here must equal the one in migration 0003 (and agree with FTS5's folding)."""
    mu = munis.find_municipality(session, "Tartu linn")
    words = [f"q{i}x{c}z" for i, c in enumerate(FOLD_FROM)]  # one distinct word per letter
    set_status(session, municipality=mu, measure_code="ISMS.1.M1", status="partial", actor="t", note=" ".join(words))
    session.commit()
    missed = [
        query
        for i, (letter, plain) in enumerate(zip(FOLD_FROM, FOLD_TO, strict=True))
        for query in (f"q{i}x{letter}z", f"q{i}x{plain}z", f"Q{i}X{plain.upper()}Z")
        if _codes(search(session, query, kinds=("note",))) != ["ISMS.1.M1"]
    ]
    assert missed == []
    assert search(session, "q0xz", kinds=("note",)) == []  # the letter is folded, not dropped


def test_every_word_must_match_as_a_prefix(session: Session) -> None:
    both = _measures(session, "parool kvaliteedi")
    expected = _oracle(session, "2024", "parool", "kvaliteedi")
    assert expected == {"ORP.4.M8", "ORP.4.M22"}
    assert set(_codes(both)) == expected
    assert expected < _oracle(session, "2024", "parool")
    assert set(_codes(_measures(session, "paro kval"))) == expected  # prefixes of both words


def test_text_matches_rank_measures_then_modules(session: Session) -> None:
    hits = search(session, "kontseptsioon", edition_id=find_edition(session, "2024").id, limit=500)
    kinds = [h.kind for h in hits]
    assert "module" in kinds and "measure" in kinds
    assert kinds == sorted(kinds, key=["measure", "module", "note"].index)
    measures = [h for h in hits if h.kind == "measure"]
    assert all(a.rank >= b.rank for a, b in itertools.pairwise(measures))
    assert "CON.3" in _codes([h for h in hits if h.kind == "module"])


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"parool',
        "(",
        "parool)",
        "*",
        "paro*",
        "OR",
        "parool OR",
        "NEAR(",
        "NEAR(parool varu, 2)",
        "parool AND NOT",
        "title:parool",
        "-parool",
        "^parool",
        "'; drop table measure; --",
        "🙂 parool 🔐",
        "?!.,;:",
        "  \t\n ",
        "\\",
        "%_",
        "a" * 500,
        "x " * 100,
        "\x00",
    ],
)
def test_hostile_input_never_raises(session: Session, query: str) -> None:
    hits = search(session, query)
    assert isinstance(hits, list)
    for hit in hits:
        assert len(hit.snippet) <= SNIPPET_CHARS
    assert session.scalar(select(m.Measure.code).where(m.Measure.code == "ORP.4.M1")) == "ORP.4.M1"


def test_operators_are_plain_words(session: Session) -> None:
    assert search(session, "?!.,;:") == []
    assert search(session, "") == []
    # "OR" is a word (prefix of "ORP" and "organisatsioon"), not an operator: every hit has it.
    with_or = _measures(session, "parool OR")
    assert set(_codes(with_or)) == _oracle(session, "2024", "parool", "or")
    assert set(_codes(_measures(session, '"parool'))) == _oracle(session, "2024", "parool")


def test_edition_filter(session: Session) -> None:
    e23, e24 = find_edition(session, "2023"), find_edition(session, "2024")
    old = search(session, "tööjaam", edition_id=e23.id, limit=200)
    new = search(session, "tööjaam", edition_id=e24.id, limit=200)
    assert {h.edition_key for h in old} == {"2023"}
    assert {h.edition_key for h in new} == {"2024"}
    assert "SYS.2.1.M24" in _codes(new)  # new in 2024
    assert "SYS.2.1.M24" not in _codes(old)
    assert set(_codes(old)) == _oracle(session, "2023", "tööjaam")
    both = search(session, "tööjaam", limit=200)
    assert len(both) == len(old) + len(new)


def test_limit_is_respected(session: Session) -> None:
    assert len(search(session, "ja", limit=5)) == 5
    assert len(search(session, "ORP", limit=3)) == 3
    assert len(search(session, "ORP")) == 40
    assert search(session, "ja", limit=0) == []


# --- notes ------------------------------------------------------------------------------------


def test_a_note_is_found_and_forgotten_when_it_changes(db: Database) -> None:
    with db.session() as s:
        tartu = munis.find_municipality(s, "Tartu linn")
        set_status(
            s,
            municipality=tartu,
            measure_code="ISMS.1.M1",
            status="partial",
            actor="t",
            note="Varukoopiad hoitakse Kõrvemaa serveriruumis",
        )
        s.commit()
        tartu_id = tartu.id
    with db.session() as s:
        hits = search(s, "korvemaa server")
        assert [(h.kind, h.code, h.municipality_name, h.municipality_id) for h in hits] == [
            ("note", "ISMS.1.M1", "Tartu linn", tartu_id)
        ]
        assert hits[0].snippet == "Varukoopiad hoitakse Kõrvemaa serveriruumis"
        assert hits[0].level == "basic" and hits[0].edition_key == "2024"
        assert hits[0].title.startswith("Infoturbe üldvastutuse")
        # A status change that leaves the note alone keeps it findable.
        set_status(
            s,
            municipality=munis.find_municipality(s, "Tartu linn"),
            measure_code="ISMS.1.M1",
            status="implemented",
            actor="t",
        )
        s.commit()
        assert len(search(s, "Kõrvemaa")) == 1
        set_status(
            s,
            municipality=munis.find_municipality(s, "Tartu linn"),
            measure_code="ISMS.1.M1",
            status=None,
            actor="t",
            note="Pilveteenus Elisa juures",
        )
        s.commit()
    with db.session() as s:
        assert search(s, "korvemaa") == []
        assert _codes(search(s, "pilveteenus elisa")) == ["ISMS.1.M1"]
    if db.engine.dialect.name == "sqlite":
        with db.engine.begin() as conn:  # raises "database disk image is malformed" if out of step
            conn.execute(text("INSERT INTO status_note_fts(status_note_fts, rank) VALUES ('integrity-check', 1)"))


def test_notes_of_one_municipality_or_all(session: Session) -> None:
    for name in ("Tartu linn", "Rapla vald"):
        mu = munis.find_municipality(session, name)
        set_status(
            session,
            municipality=mu,
            measure_code="ORP.4.M1",
            status="partial",
            actor="t",
            note=f"Kontode ülevaatus {name} moodi",
        )
    session.commit()
    everyone = search(session, "ülevaatus moodi", kinds=("note",))
    assert [h.municipality_name for h in everyone] == ["Rapla vald", "Tartu linn"]
    rapla = munis.find_municipality(session, "Rapla vald")
    only = search(session, "ülevaatus moodi", municipality_id=rapla.id)
    assert [(h.kind, h.municipality_name) for h in only] == [("note", "Rapla vald")]


def test_archived_statuses_are_not_found(session: Session) -> None:
    mu = munis.find_municipality(session, "Tartu linn")
    change = set_status(
        session, municipality=mu, measure_code="ORP.4.M1", status="partial", actor="t", note="Arhiveeritav märkus"
    )
    session.commit()
    assert _codes(search(session, "arhiveeritav märkus")) == ["ORP.4.M1"]
    change.row.archived = True
    session.add(change.row)
    session.commit()
    assert search(session, "arhiveeritav märkus") == []


def test_unknown_kinds_are_refused(session: Session) -> None:
    from eits_tracker.errors import ValidationError

    with pytest.raises(ValidationError, match="threat"):
        search(session, "tuli", kinds=("threat",))


# --- the migration ------------------------------------------------------------------------------


def test_upgrading_a_filled_database_indexes_what_is_there(empty_db_url: str) -> None:
    from alembic import command

    engine = make_engine(empty_db_url)
    command.upgrade(alembic_config(engine), "0002_history_append_only")
    db = Database(engine, load_settings(database_url=empty_db_url))
    ensure_reference_data(db)
    with db.session() as s:
        # The ORM models are at HEAD (status_history has columns 0002 lacks): write the status row alone.
        mu = munis.find_municipality(s, "Tartu linn")
        measure = s.scalars(select(m.Measure).where(m.Measure.code == "ISMS.1.M1")).first()
        target = munis.default_target(s, mu)
        s.add(
            m.MeasureStatus(
                target_object_id=target.id,
                measure_id=measure.id,
                status="partial",
                note="Enne indeksit kirjutatud märge",
            )
        )
        s.commit()
    assert current_revision(engine) == "0002_history_append_only"
    assert upgrade(engine).after == HEAD
    with db.session() as s:
        assert _codes(search(s, "kirjutatud märge")) == ["ISMS.1.M1"]
        assert set(_codes(_measures(s, "tööjaam"))) == _oracle(s, "2024", "tööjaam")
        assert _codes(search(s, "ORP.4.M1"))[:2] == ["ORP.4.M1", "ORP.4.M1"]
    # Down and up again: the downgrade leaves nothing behind that the upgrade would trip over.
    command.downgrade(alembic_config(engine), "0002_history_append_only")
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            left = conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE '%fts%'")).scalars().all()
        else:
            left = (
                conn.execute(
                    text("SELECT table_name FROM information_schema.columns WHERE column_name = 'search_vector'")
                )
                .scalars()
                .all()
            )
        assert left == []
    command.upgrade(alembic_config(engine), "head")
    with db.session() as s:
        assert _codes(search(s, "kirjutatud märge")) == ["ISMS.1.M1"]
    engine.dispose()


def test_the_catalogue_loads_through_the_triggers(empty_db_url: str) -> None:
    """open_database migrates first and loads the catalogue after: the triggers fill the index."""
    db = open_database(load_settings(database_url=empty_db_url))
    try:
        with db.session() as s:
            assert _codes(_measures(s, "üldvastutuse")) == ["ISMS.1.M1"]
            assert _codes(search(s, "ISMS.1", kinds=("module",))) == ["ISMS.1", "ISMS.1"]
    finally:
        db.engine.dispose()
