"""The status vocabulary: keys, Estonian and English labels, implementation-plan letters."""

from __future__ import annotations

from eits_tracker.errors import ValidationError
from eits_tracker.text import fold

STATUSES = ("not_assessed", "implemented", "partial", "not_implemented", "not_applicable", "risk_accepted")

LABELS = {
    "et": {
        "not_assessed": "hindamata",
        "implemented": "rakendatud",
        "partial": "osaliselt rakendatud",
        "not_implemented": "rakendamata",
        "not_applicable": "ei kohaldu",
        "risk_accepted": "risk aktsepteeritud",
    },
    "en": {
        "not_assessed": "not assessed",
        "implemented": "implemented",
        "partial": "partially implemented",
        "not_implemented": "not implemented",
        "not_applicable": "not applicable",
        "risk_accepted": "risk accepted",
    },
}

#: Letters of the E-ITS implementation plan (rakendusplaan): R, O, E, P, A. Not assessed has none.
LETTERS = {
    "implemented": "R",
    "partial": "O",
    "not_implemented": "E",
    "not_applicable": "P",
    "risk_accepted": "A",
    "not_assessed": "",
}

LEVEL_LABELS = {
    "et": {"basic": "põhimeede", "standard": "standardmeede", "high": "kõrgmeede"},
    "en": {"basic": "basic", "standard": "standard", "high": "high"},
}


_ALIASES: dict[str, str] = {}
for _key in STATUSES:
    _ALIASES[fold(_key)] = _key
    for _lang in LABELS.values():
        _ALIASES[fold(_lang[_key])] = _key
    if LETTERS[_key]:
        _ALIASES[fold(LETTERS[_key])] = _key
_ALIASES.update({"partially": "partial", "osaliselt": "partial", "na": "not_applicable", "n/a": "not_applicable"})


def parse_status(text: str) -> str:
    """Accept a key, an Estonian or English label, or a plan letter; anything else is a clear error."""
    key = _ALIASES.get(fold(text))
    if key is None:
        raise ValidationError(
            f"status: unknown status {text!r}; use one of {', '.join(STATUSES)} "
            f"(or Estonian: {', '.join(LABELS['et'][s] for s in STATUSES)}; letters R O E P A).",
            field="status",
        )
    return key


def label(status: str, lang: str = "en") -> str:
    return LABELS.get(lang, LABELS["en"]).get(status, status)
