"""Words of the mentor network: roles, session formats, follow-up states (keys, labels, aliases)."""

from __future__ import annotations

from eits_tracker.errors import ValidationError
from eits_tracker.text import fold

ROLES = ("specialist", "mentor", "contact", "viewer")
FORMATS = ("on_site", "video", "phone")
STATES = ("open", "done", "dropped")

LABELS: dict[str, dict[str, str]] = {
    "et": {
        "specialist": "infoturbespetsialist",
        "mentor": "mentor",
        "contact": "KOV kontaktisik",
        "viewer": "vaatleja",
        "on_site": "kohapeal",
        "video": "videokõne",
        "phone": "telefon",
        "open": "avatud",
        "done": "tehtud",
        "dropped": "loobutud",
    },
    "en": {
        "specialist": "specialist",
        "mentor": "mentor",
        "contact": "municipality contact",
        "viewer": "viewer",
        "on_site": "on site",
        "video": "video",
        "phone": "phone",
        "open": "open",
        "done": "done",
        "dropped": "dropped",
    },
}

_EXTRA = {
    "roles": {
        "administrator": "specialist",
        "admin": "specialist",
        "vaatleja": "viewer",
        "lugeja": "viewer",
        "spetsialist": "specialist",
        "kontakt": "contact",
        "kontaktisik": "contact",
        "municipality contact": "contact",
    },
    "formats": {
        "onsite": "on_site",
        "on-site": "on_site",
        "on site": "on_site",
        "kohapeal": "on_site",
        "video": "video",
        "videokone": "video",
        "teams": "video",
        "zoom": "video",
        "telefon": "phone",
        "telefonikone": "phone",
    },
    "states": {"avatud": "open", "tehtud": "done", "loobutud": "dropped", "closed": "done", "drop": "dropped"},
}


def _parser(keys: tuple[str, ...], extra: dict[str, str], field: str, what: str):  # type: ignore[no-untyped-def]
    aliases = {fold(k): k for k in keys}
    for lang in LABELS.values():
        aliases.update({fold(lang[k]): k for k in keys})
    aliases.update({fold(a): k for a, k in extra.items()})

    def parse(text: str) -> str:
        key = aliases.get(fold(str(text)))
        if key is None:
            raise ValidationError(
                f"{field}: unknown {what} {text!r}; use one of {', '.join(keys)} "
                f"(or Estonian: {', '.join(LABELS['et'][k] for k in keys)}).",
                field=field,
            )
        return key

    return parse


parse_role = _parser(ROLES, _EXTRA["roles"], "role", "role")
parse_format = _parser(FORMATS, _EXTRA["formats"], "format", "session format")
parse_state = _parser(STATES, _EXTRA["states"], "state", "follow-up state")


def label(key: str, lang: str = "en") -> str:
    return LABELS.get(lang, LABELS["en"]).get(key, key)
