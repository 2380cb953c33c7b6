"""The Jinja2 side of reports: where templates are found, the labels in two languages, the filters.

Templates are files under ``reports/`` (the checkout's, or ``eits_tracker/_reports`` in a wheel). With
``--templates DIR`` the user's directory comes first and the shipped one fills in what it lacks, so
a copy of one template is enough to change one page. Everything a template prints goes through the
filters here: fixed formatting per language (62,1 % / 62.1 %), no locale of the machine, no clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from eits_tracker.errors import ValidationError
from eits_tracker.mentoring import vocab as mvocab
from eits_tracker.paths import templates_dir
from eits_tracker.timeutil import TALLINN, as_utc
from eits_tracker.tracking import vocab

LANGUAGES = ("et", "en")
LEVEL_NAMES = {
    "et": ("0 – algus", "1 – alustatud", "2 – pooleli", "3 – edenenud", "4 – põhiturve", "5 – standardturve"),
    "en": (
        "0 – starting",
        "1 – begun",
        "2 – halfway",
        "3 – advanced",
        "4 – basic protection",
        "5 – standard protection",
    ),
}


def check_language(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValidationError(
            f"lang: {lang!r} is not a report language; use one of {', '.join(LANGUAGES)}.", field="lang"
        )
    return lang


def check_templates(path: Path | None) -> Path | None:
    if path is not None and not path.is_dir():
        raise ValidationError(
            f"templates: {path} is not a directory; copy {templates_dir()} and pass the copy.", field="templates"
        )
    return path


@cache
def _shipped_labels() -> dict[str, dict[str, str]]:
    return _read_labels(templates_dir() / "labels.yaml")


def _read_labels(path: Path) -> dict[str, dict[str, str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationError(f"{path}: cannot read the report labels: {exc}", field="templates") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValidationError(f"{path}: labels must map each key to {{et: ..., en: ...}}.", field="templates")
    return data


class Labels:
    """``t("key")`` in templates: the shipped labels, overridden by a ``labels.yaml`` in --templates."""

    def __init__(self, lang: str, user_dir: Path | None) -> None:
        self.lang = lang
        self.table = dict(_shipped_labels())
        if user_dir is not None and (user_dir / "labels.yaml").is_file():
            self.table.update(_read_labels(user_dir / "labels.yaml"))

    def __call__(self, key: str, **values: Any) -> str:
        entry = self.table.get(key)
        if entry is None:
            raise jinja2.TemplateRuntimeError(f"unknown label {key!r}: add it to labels.yaml")
        text = entry.get(self.lang) or entry.get("en") or key
        return text.format(**values) if values else text


_PLAIN = re.compile(r"[^|<>&\s]*(?: [^|<>&\s]+)*")


def _no_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _number(value: float, digits: int, lang: str) -> str:
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "et" else text


def make_filters(lang: str) -> dict[str, Any]:
    def pct(value: float | None, digits: int = 1) -> str:
        return "–" if value is None else f"{_number(value * 100, digits, lang)} %"

    def pp(value: float | None, digits: int = 1) -> str:
        """A change of a share, in percentage points, always signed."""
        if value is None:
            return "–"
        shown = _number(abs(value) * 100, digits, lang)
        sign = "±" if shown.strip("0,.") == "" else ("+" if value > 0 else "−")
        return f"{sign}{shown} pp"

    def signed(value: float | None) -> str:
        if value is None:
            return "–"
        return "±0" if value == 0 else (f"+{value:g}" if value > 0 else f"−{abs(value):g}")

    def snum(value: float | None, digits: int = 2) -> str:
        """A signed change with fixed decimals: +0,16 / −0,05 / ±0,00."""
        if value is None:
            return "–"
        shown = _number(abs(value), digits, lang)
        sign = "±" if shown.strip("0,.") == "" else ("+" if value > 0 else "−")
        return f"{sign}{shown}"

    def ends(value: datetime) -> str:
        """A quarter's end as people say it: the last day at 24:00 (Tallinn), not 00:00 of the next."""
        last = (as_utc(value) - timedelta(microseconds=1)).astimezone(TALLINN).date()
        return f"{last.isoformat()} 24:00"

    def num(value: float | None, digits: int = 1) -> str:
        return "–" if value is None else _number(value, digits, lang)

    def day(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = as_utc(value).astimezone(TALLINN).date()
        return value.isoformat()

    def cell(value: Any) -> str:
        """Safe inside a Markdown table cell: one line, pipes escaped, no raw HTML (see ``quote``)."""
        text = "" if value is None else str(value)
        if _PLAIN.fullmatch(text):  # the usual case, 60 000 times per report: nothing to change
            return text
        return _no_html(" ".join(text.split()).replace("|", "\\|"))

    def quote(text: str) -> str:
        """User-written Markdown as a block quote. Its < and > become entities: the .md files are
        deliverables too, and a viewer that renders raw HTML must not run a note's <script>."""
        return "\n".join(f"> {_no_html(line)}".rstrip() for line in text.strip().splitlines())

    def bar(value: float | None, width: int = 10) -> str:
        if value is None:
            return "·" * width
        full = round(max(0.0, min(1.0, value)) * width)
        return "█" * full + "░" * (width - full)

    return {
        "pct": pct,
        "pp": pp,
        "signed": signed,
        "num": num,
        "snum": snum,
        "ends": ends,
        "day": day,
        "cell": cell,
        "bar": bar,
        "quote": quote,
        "status": lambda key: vocab.LABELS[lang].get(key, key),
        "letter": lambda key: vocab.LETTERS.get(key, ""),
        "level_name": lambda level: vocab.LEVEL_LABELS[lang].get(level, level),
        "maturity_name": lambda n: LEVEL_NAMES[lang][n],
        "mentoring": lambda key: mvocab.LABELS[lang].get(key, key),
    }


@cache
def environment(lang: str, user_dir: Path | None = None) -> jinja2.Environment:
    """Markdown templates: no autoescape (the HTML side sanitises), undefined names are errors.

    One environment per (language, folder) for the process: compiled templates are kept, and the
    loader's auto-reload still picks up a template the user edits between two runs.
    """
    search = [str(user_dir)] if user_dir is not None else []
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*search, str(templates_dir())]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(make_filters(lang))
    env.globals["t"] = Labels(lang, user_dir)
    env.globals["lang"] = lang
    return env


def render(env: jinja2.Environment, name: str, **context: Any) -> str:
    """Render one template; a broken user template is a clear error naming the file and line."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise ValidationError(f"{exc.filename or name}:{exc.lineno}: {exc.message}", field="templates") from None
    except (jinja2.UndefinedError, jinja2.TemplateRuntimeError) as exc:
        raise ValidationError(f"template {name}: {exc}", field="templates") from None
