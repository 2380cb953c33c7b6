"""Every visible string of the terminal app has an Estonian translation, and only those do.

The collector walks ``eits_tracker/tui`` with :mod:`ast` and finds what reaches the screen:
``_("literal")`` calls, ``Binding(...)`` descriptions and tooltips, and the descriptions of
tuple bindings in class-level ``BINDINGS`` lists. ``_()`` must get a string literal, so the
collector can see it; the few calls that translate a value (an error's title, a loading step)
are listed in :data:`DYNAMIC_CALLS` together with where their possible values come from.
"""

from __future__ import annotations

import ast
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pytest
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen

from eits_tracker.config import Settings
from eits_tracker.tracking.vocab import LABELS, LEVEL_LABELS, STATUSES
from eits_tracker.tui import i18n
from eits_tracker.tui.et import ET

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "eits_tracker"
TUI = PACKAGE / "tui"
I18N_MODULE = "eits_tracker/tui/i18n.py"


@dataclass(frozen=True)
class Found:
    path: str
    line: int
    text: str  # the string, or for a non-literal argument of _() its source

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text!r}"


@dataclass
class Collected:
    strings: list[Found] = field(default_factory=list)
    #: ``_()`` calls without exactly one string literal (and non-literal binding descriptions).
    dynamic: list[Found] = field(default_factory=list)


def _is_str(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def collect(source: str, path: str) -> Collected:
    """The visible strings of one module, and the calls of ``_()`` that cannot be checked."""
    out = Collected()
    tree = ast.parse(source, filename=path)

    def visible(node: ast.AST | None, where: ast.AST) -> None:
        if node is None:
            return
        if _is_str(node):
            if node.value:  # type: ignore[attr-defined]
                out.strings.append(Found(path, node.lineno, node.value))  # type: ignore[attr-defined]
        else:
            out.dynamic.append(Found(path, getattr(where, "lineno", 0), ast.unparse(node)))

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _callee(node)
            if name == "_" and isinstance(node.func, ast.Name):
                if len(node.args) == 1 and not node.keywords and _is_str(node.args[0]):
                    out.strings.append(Found(path, node.lineno, node.args[0].value))  # type: ignore[attr-defined]
                elif path != I18N_MODULE:
                    shown = ", ".join(ast.unparse(a) for a in [*node.args, *node.keywords])
                    out.dynamic.append(Found(path, node.lineno, shown))
            elif name == "Binding":
                description = node.args[2] if len(node.args) > 2 else None
                tooltip = None
                for kw in node.keywords:
                    if kw.arg == "description":
                        description = kw.value
                    elif kw.arg == "tooltip":
                        tooltip = kw.value
                visible(description, node)
                visible(tooltip, node)
        elif isinstance(node, ast.ClassDef):
            for stmt in node.body:
                targets = (
                    stmt.targets
                    if isinstance(stmt, ast.Assign)
                    else [stmt.target]
                    if isinstance(stmt, ast.AnnAssign)
                    else []
                )
                if not any(isinstance(t, ast.Name) and t.id == "BINDINGS" for t in targets):
                    continue
                value = stmt.value  # type: ignore[attr-defined]
                if isinstance(value, ast.List | ast.Tuple):
                    for item in value.elts:
                        if isinstance(item, ast.Tuple) and len(item.elts) >= 3:
                            visible(item.elts[2], item)
    return out


def collect_package(root: Path = TUI) -> Collected:
    total = Collected()
    for file in sorted(root.rglob("*.py")):
        part = collect(file.read_text(encoding="utf-8"), file.relative_to(ROOT).as_posix())
        total.strings += part.strings
        total.dynamic += part.dynamic
    return total


# --- the values the allowed non-literal calls of _() can take ---------------------------------


def error_titles() -> set[str]:
    """``title`` of every error class in the package, and every ``SomeError(..., title="...")``."""
    titles: set[str] = set()
    for file in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and (
                node.name.endswith("Error") or any(ast.unparse(b).endswith("Error") for b in node.bases)
            ):
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and any(isinstance(t, ast.Name) and t.id == "title" for t in stmt.targets)
                        and _is_str(stmt.value)
                    ):
                        titles.add(stmt.value.value)  # type: ignore[attr-defined]
            elif isinstance(node, ast.Call) and _callee(node).endswith("Error"):
                titles.update(kw.value.value for kw in node.keywords if kw.arg == "title" and _is_str(kw.value))  # type: ignore[attr-defined]
    return titles


def loading_steps() -> set[str]:
    from eits_tracker.tui.screens.loading import _STEPS

    return {text for _prefix, text in _STEPS}


#: (file, argument of ``_()``) → the strings that argument can be. Anything else non-literal fails.
DYNAMIC_CALLS = {
    ("eits_tracker/tui/app.py", "error.title"): error_titles,
    ("eits_tracker/tui/screens/loading.py", "error.title"): error_titles,
    ("eits_tracker/tui/screens/loading.py", "text"): loading_steps,
}


def inherited_binding_descriptions() -> set[str]:
    """Textual's own bindings of the app and the screens: shown by `?` and in the command palette."""
    out: set[str] = set()
    for cls in (App, Screen, ModalScreen):
        for b in cls.BINDINGS:
            description = b.description if isinstance(b, Binding) else (b[2] if len(b) > 2 else "")
            if description:
                out.add(description)
            if isinstance(b, Binding) and b.tooltip:  # the help screen shows the tooltip where there is one
                out.add(b.tooltip)
    return out


def everything_shown() -> dict[str, list[str]]:
    """Every string that needs a translation → where it comes from."""
    found = collect_package()
    needed: dict[str, list[str]] = {}
    for f in found.strings:
        needed.setdefault(f.text, []).append(f"{f.path}:{f.line}")
    for (path, expr), values in DYNAMIC_CALLS.items():
        for text in values():
            needed.setdefault(text, []).append(f"{path}: _({expr})")
    for text in inherited_binding_descriptions():
        needed.setdefault(text, []).append("textual (inherited binding)")
    return needed


def _fields(text: str) -> set[tuple[str, str, str]]:
    return {
        (name, spec or "", conv or "") for _lit, name, spec, conv in string.Formatter().parse(text) if name is not None
    }


# --- the collector itself ------------------------------------------------------------------------


SAMPLE = """
from textual.binding import Binding, BindingType

class S:
    BINDINGS = [
        Binding("x", "go", "Go somewhere", tooltip="A tooltip"),
        Binding("y", "stay", description="Stay here"),
        ("q", "app.quit", "Quit now"),
        ("z", "nothing"),
    ]

def f(name):
    a = _("Untranslated thing")
    b = _(f"Hello {name}")
    c = _(name)
    d = {"k": _("In a dict")}
    return a, b, c, d
"""


def test_collector_finds_literals_bindings_and_reports_dynamic_calls() -> None:
    got = collect(SAMPLE, "sample.py")
    texts = {f.text for f in got.strings}
    assert texts == {"Go somewhere", "A tooltip", "Stay here", "Quit now", "Untranslated thing", "In a dict"}
    assert Found("sample.py", 13, "Untranslated thing") in got.strings
    assert {(f.line, f.text) for f in got.dynamic} == {(14, "f'Hello {name}'"), (15, "name")}


def test_collector_reports_a_missing_translation() -> None:
    got = collect(SAMPLE, "sample.py")
    missing = [f for f in got.strings if not ET.get(f.text)]
    assert Found("sample.py", 13, "Untranslated thing") in missing


def test_dynamic_calls_inside_i18n_are_allowed() -> None:
    source = "def _(text):\n    return text\n\ndef g(b):\n    return _(b)\n"
    assert collect(source, I18N_MODULE).dynamic == []
    assert [f.text for f in collect(source, "eits_tracker/tui/other.py").dynamic] == ["b"]


def test_placeholder_check_sees_a_renamed_placeholder() -> None:
    assert _fields("{n} results") != _fields("{count} tulemust")
    assert _fields("{n} results") == _fields("tulemusi: {n}")


# --- the app's strings ---------------------------------------------------------------------------


def test_the_package_is_walked() -> None:
    found = collect_package()
    assert len(found.strings) > 50
    assert any(f.path == "eits_tracker/tui/app.py" for f in found.strings)


def test_underscore_gets_only_string_literals() -> None:
    found = collect_package()
    bad = [f for f in found.dynamic if (f.path, f.text) not in DYNAMIC_CALLS]
    assert not bad, (
        "_() (or a binding description) needs a string literal, so its translation can be checked:\n"
        + "\n".join(f"{f.path}:{f.line}: _({f.text})" for f in bad)
    )


def test_the_allowed_dynamic_calls_still_exist() -> None:
    found = {(f.path, f.text) for f in collect_package().dynamic}
    stale = [key for key in DYNAMIC_CALLS if key not in found]
    assert not stale, f"remove from DYNAMIC_CALLS: {stale}"
    for values in DYNAMIC_CALLS.values():
        assert values(), "an allowed dynamic call has no known values"


def test_every_visible_string_has_an_estonian_translation() -> None:
    missing: list[str] = []
    for text, places in sorted(everything_shown().items()):
        value = ET.get(text)
        if not isinstance(value, str) or not value.strip():
            missing += [f"{place}: {text!r}" for place in places]
    assert not missing, (
        f"{len(missing)} string(s) without an Estonian translation in eits_tracker/tui/et.py:\n" + "\n".join(missing)
    )


def test_no_stale_translations() -> None:
    shown = everything_shown()
    stale = sorted(key for key in ET if key not in shown)
    assert not stale, "translations of strings the app no longer shows:\n" + "\n".join(map(repr, stale))


def test_placeholders_match() -> None:
    bad: list[str] = []
    for key, value in sorted(ET.items()):
        try:
            if _fields(key) != _fields(value):
                bad.append(f"{key!r}: {sorted(_fields(key))} vs {value!r}: {sorted(_fields(value))}")
        except ValueError as exc:
            bad.append(f"{key!r} / {value!r}: {exc}")
    assert not bad, "placeholders differ between English and Estonian:\n" + "\n".join(bad)


def test_translations_are_sorted_by_key() -> None:
    assert list(ET) == sorted(ET)


# --- switching languages -------------------------------------------------------------------------


@pytest.fixture
def english_afterwards() -> Iterator[None]:
    yield
    i18n.set_language("en")


@pytest.mark.usefixtures("english_afterwards")
def test_set_language_switches_underscore() -> None:
    i18n.set_language("et")
    assert i18n.language() == "et"
    assert i18n._("Quit") == "Välju"
    assert i18n._("Keys") == "Klahvid"
    assert i18n.status_label("implemented") == "rakendatud"
    assert i18n.level_label("basic") == "põhimeede"
    i18n.set_language("en")
    assert i18n.language() == "en"
    assert i18n._("Quit") == "Quit"
    assert i18n.status_label("implemented") == "implemented"
    i18n.set_language("de")  # anything unknown is English
    assert i18n._("Quit") == "Quit"


@pytest.mark.usefixtures("english_afterwards")
def test_bindings_are_translated_per_instance() -> None:
    class S(Screen[None]):
        BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "Quit", tooltip="Back"), ("k", "keys", "Keys")]

    i18n.set_language("et")
    estonian = S()
    i18n.translate_bindings(estonian)
    i18n.set_language("en")
    english = S()
    i18n.translate_bindings(english)

    def descriptions(node: Screen[None]) -> dict[str, tuple[str, str]]:
        return {k: (b[0].description, b[0].tooltip) for k, b in node._bindings.key_to_bindings.items() if k in "qk"}

    assert descriptions(estonian) == {"q": ("Välju", "Tagasi"), "k": ("Klahvid", "")}
    assert descriptions(english) == {"q": ("Quit", "Back"), "k": ("Keys", "")}


@pytest.mark.parametrize(
    ("setting", "lang_env", "expected"),
    [
        (None, "et_EE.UTF-8", "et"),
        (None, "en_US.UTF-8", "en"),
        ("en", "et_EE.UTF-8", "en"),
        ("et", "en_US.UTF-8", "et"),
    ],
)
def test_language_follows_the_locale_unless_set(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, lang_env: str, expected: str
) -> None:
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", lang_env)
    assert Settings(language=setting).resolved_language() == expected  # type: ignore[arg-type]


# --- status and level vocabulary -----------------------------------------------------------------


def test_status_and_level_labels_in_both_languages() -> None:
    assert set(LABELS) == set(LEVEL_LABELS) == {"et", "en"}
    for lang in ("et", "en"):
        assert set(LABELS[lang]) == set(STATUSES), lang
        assert set(LEVEL_LABELS[lang]) == {"basic", "standard", "high"}, lang
        assert all(v.strip() for v in [*LABELS[lang].values(), *LEVEL_LABELS[lang].values()]), lang
