"""Matching what people type against names: one folding rule for the whole project."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Case-, accent- and separator-insensitive key.

    'Põlva', 'POLVA' and 'põlva' meet; 'not-applicable', 'not_applicable' and
    'Not applicable' meet; runs of whitespace count as one space.
    """
    text = unicodedata.normalize("NFKD", text.casefold().replace("_", " ").replace("-", " "))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())
