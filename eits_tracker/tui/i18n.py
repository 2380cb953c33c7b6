"""Estonian and English for every visible string of the app.

Source strings are English and wrapped in ``_()``; :data:`eits_tracker.tui.et.ET` maps each
to Estonian. ``tests/tui/test_i18n.py`` walks the package and fails when a wrapped string
(or a binding description) has no translation, so nothing reaches the screen half-translated.

Bindings are declared once per class, in English; :func:`translate_bindings` gives each
screen instance its own translated copy, so the footer, the help screen and the command
palette all show the language of the running app.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from eits_tracker.tracking.vocab import LABELS, LEVEL_LABELS
from eits_tracker.tui.et import ET

if TYPE_CHECKING:
    from textual.dom import DOMNode

_language = "en"


def set_language(lang: str) -> None:
    global _language
    _language = "et" if lang == "et" else "en"


def language() -> str:
    return _language


def _(text: str) -> str:
    """The text in the app's language (English is the source)."""
    if _language == "et":
        return ET.get(text, text)
    return text


def status_label(status: str) -> str:
    return LABELS[_language].get(status, status)


def mentoring_label(key: str) -> str:
    """A session format, follow-up state or role, from the mentoring vocabulary."""
    from eits_tracker.mentoring.vocab import label

    return label(key, _language)


def level_label(level: str) -> str:
    return LEVEL_LABELS[_language].get(level, level)


def translate_bindings(node: DOMNode) -> None:
    """Replace the node's binding descriptions by their translation (per instance, not per class)."""
    bindings = node._bindings  # Textual keeps a per-instance copy of the merged class bindings
    bindings.key_to_bindings = {
        key: [replace(b, description=_(b.description), tooltip=_(b.tooltip) if b.tooltip else "") for b in key_bindings]
        for key, key_bindings in bindings.key_to_bindings.items()
    }
