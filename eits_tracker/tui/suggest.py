"""Completion for fields that hold a comma-separated list of codes or names.

Textual's Input shows a suggestion after the cursor and takes it with → (or End); this
suggester completes the last item of the list, so "ORP.4, CON.3.M" offers "ORP.4, CON.3.M1".
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.suggester import Suggester

from eits_tracker.text import fold


def last_item(value: str) -> str:
    return value.rsplit(",", 1)[-1].strip()


class ListSuggester(Suggester):
    """Completes the last comma-separated item from ``items`` (prefix, case and accents ignored)."""

    def __init__(self, items: Iterable[str], *, single: bool = False) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.items = sorted(dict.fromkeys(items), key=lambda s: (len(s), s))
        self._folded = [(fold(item), item) for item in self.items]
        self.single = single

    def matches(self, prefix: str, limit: int = 5) -> list[str]:
        key = fold(prefix)
        if not key:
            return []
        return [item for folded, item in self._folded if folded.startswith(key)][:limit]

    async def get_suggestion(self, value: str) -> str | None:
        tail = value if self.single else value.rpartition(",")[2]
        tail = tail.lstrip()
        found = self.matches(tail, 1)
        if not tail or not found or len(found[0]) == len(tail):
            return None
        # what was typed stays as typed (Input shows a suggestion only after the value itself)
        return value + found[0][len(tail) :]
