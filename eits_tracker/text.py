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


#: The Estonian alphabet in its order: š, z, ž come after s; õ ä ö ü after w; x and y last.
_ESTONIAN = "abcdefghijklmnopqrsšzžtuvwõäöüxy"
_ORDER = {c: i for i, c in enumerate(_ESTONIAN)}


def estonian_key(text: str) -> tuple[int, ...]:
    """Sort key in Estonian alphabetical order ("Haapsalu" before "Häädemeeste", "Võru" before "Väike-Maarja")."""
    return tuple(_ORDER.get(c, 100 + ord(c)) for c in text.casefold())


def slugify(text: str) -> str:
    """A file-name-safe ASCII slug: "Väike-Maarja vald" → "vaike-maarja-vald" (letters, digits, hyphens)."""
    kept = "".join(c if c.isascii() and c.isalnum() else "-" for c in fold(text))
    return "-".join(part for part in kept.split("-") if part)
