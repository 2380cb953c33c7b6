"""Property-based tests: generated records give a valid edition or a CatalogError, never a crash."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eits_tracker.catalog import native
from eits_tracker.catalog.importers._common import clean_text
from eits_tracker.catalog.importers.api_v2 import api_v2_from_data
from eits_tracker.catalog.importers.flat2024 import flat2024_from_data
from eits_tracker.catalog.model import CatalogEdition
from eits_tracker.errors import CatalogError

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Estonian letters, tabs, newlines, HTML bits and entities mixed into arbitrary unicode
SPICE = st.sampled_from(
    [
        "õ",
        "ä",
        "ö",
        "ü",
        "š",
        "ž",
        "Õ",
        "\t",
        "\n",
        "\n\n",
        "<p>",
        "</p>",
        "<li>",
        "<b>",
        "&amp;",
        "&lt;p&gt;",
        "[NL]",
        ":",
        "* ",
        "a. ",
        "\xa0",
        "\r\n",
        "<br/>",
        "&#9;",
        "<!-- x -->",
    ]
)
TEXT = st.lists(st.one_of(SPICE, st.text(max_size=8)), max_size=12).map("".join)
LEVELS = st.sampled_from(["Põhimeede", "Standardmeede", "Kõrgmeede", "põhimeede", "Foo", ""])
CODES = st.sampled_from(["ISMS.1", "ORP.4", "SYS.1.2.2", "APP.EE.1", "isms.1", "X", ""])
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def api_v2_records(draw: st.DrawFn) -> list[Any]:
    modules = []
    for code in draw(st.lists(CODES, min_size=1, max_size=3)):
        measures = [
            {
                "code": f"{code}.M{n}",
                "title": draw(st.one_of(TEXT, st.just(f"{code}.M{n}: Pealkiri"))),
                "group": draw(LEVELS),
                "description": draw(TEXT),
                "security_code": draw(st.sampled_from(["", "C", "CIA", "IA", "X"])),
                "assignees": draw(st.lists(TEXT, max_size=3)),
                "module_code": code,
                "lifecycle": None,
                "risks": draw(
                    st.one_of(st.none(), st.lists(st.sampled_from(["G 0.1", "G 0.18", "", "G 9"]), max_size=2))
                ),
            }
            for n in draw(st.lists(st.integers(1, 5), max_size=4))
        ]
        record = {"code": code, "title": f"{code}: {draw(TEXT)}", "purpose": draw(TEXT), "measures": measures}
        modules.append(draw(st.one_of(st.just(record), ANY_JSON)) if draw(st.booleans()) else record)
    return modules


@st.composite
def flat_records(draw: st.DrawFn) -> list[Any]:
    out = []
    for _ in range(draw(st.integers(0, 4))):
        pid = draw(CODES)
        out.append(
            {
                "mid": f"{pid}.M{draw(st.integers(1, 4))}",
                "pid": pid,
                "level": draw(LEVELS),
                "responsible": draw(TEXT),
                "lifecycle": draw(st.sampled_from(["", "Käitus", "Evitus", "Kavandamine", "Lisanduvad kõrgmeetmed"])),
                "assignee": draw(TEXT),
                "cia": draw(st.sampled_from(["", "C; I; A", "I; A", "Q"])),
                "title": draw(TEXT),
                "content": draw(TEXT),
            }
        )
    return out


@FAST
@given(api_v2_records())
def test_api_v2_valid_or_catalog_error(records: list[Any]) -> None:
    try:
        edition = api_v2_from_data(records, source="gen.json")
    except CatalogError as exc:
        assert str(exc).startswith("gen.json: ")
    else:
        assert isinstance(edition, CatalogEdition)
        assert all(m.text == clean_text(m.text) for m in edition.measures)


@FAST
@given(flat_records())
def test_flat2024_valid_or_catalog_error(records: list[Any]) -> None:
    try:
        edition = flat2024_from_data(records, source="flat.json")
    except CatalogError as exc:
        assert str(exc).startswith("flat.json: ")
    else:
        assert len(edition.measures) == len(records)


@FAST
@given(ANY_JSON)
def test_any_json_is_refused_cleanly(data: Any) -> None:
    for importer in (api_v2_from_data, flat2024_from_data):
        try:
            edition = importer(data, source="x.json")
        except CatalogError as exc:
            assert str(exc).startswith("x.json: ")
        else:
            assert isinstance(edition, CatalogEdition)


@FAST
@given(TEXT)
def test_clean_text_is_idempotent_and_clean(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert "\t" not in once and "\r" not in once and "\n\n\n" not in once
    assert once == once.strip()


@FAST
@given(api_v2_records())
def test_native_dumps_parse_round_trip(records: list[Any]) -> None:
    try:
        edition = api_v2_from_data(records, source="gen.json")
    except CatalogError:
        return
    text = native.dumps(edition.with_checksum())
    again = native.parse(text, source="gen.native.json")
    assert again == edition
    assert native.dumps(again) == text
