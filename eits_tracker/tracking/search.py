"""Full-text search over the catalogue (measures, modules) and the notes on statuses.

One function, :func:`search`, for the terminal app and the command line alike. The indexes
are built by migration 0003: FTS5 tables on SQLite, generated tsvector columns on
PostgreSQL. What a user types is never handed to either query language as such: it is
split into words here, and only those words (letters and digits) reach the database, as
bind parameters. Every word is a prefix and all must match, so "tööjaam", "TOOJAAM" and
"tooj" find the same measures.

A query that looks like a code ("ORP.4", "orp 4 m1", "SYS.2.1.M") lists the exact code
first and codes beginning with it next, before the text matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select, text
from sqlmodel import Session

from eits_tracker.access import Access, access_of
from eits_tracker.db import models as m
from eits_tracker.errors import ValidationError

KINDS = ("measure", "module", "note")
#: Wiki pages are searched when asked for (the app's search asks; ``kinds`` defaults to KINDS).
ALL_KINDS = (*KINDS, "wiki")
SNIPPET_CHARS = 120
#: More words than this add nothing but cost: the rest are ignored.
MAX_WORDS = 8
MAX_WORD_CHARS = 64

# The same folding as the generated columns of migration 0003 on PostgreSQL (keep them equal).
FOLD_FROM = (
    "àáâãäåāăąçćčĉċďèéêëēėęěìíîïīįĺľńňñòóôõöōőŕřśšşťţùúûüūůűýÿźżž"
    "ÀÁÂÃÄÅĀĂĄÇĆČĈĊĎÈÉÊËĒĖĘĚÌÍÎÏĪĮĹĽŃŇÑÒÓÔÕÖŌŐŔŘŚŠŞŤŢÙÚÛÜŪŮŰÝŸŹŻŽ"
)
FOLD_TO = (
    "aaaaaaaaacccccdeeeeeeeeiiiiiillnnnooooooorrsssttuuuuuuuyyzzz"
    "aaaaaaaaacccccdeeeeeeeeiiiiiillnnnooooooorrsssttuuuuuuuyyzzz"
)
_FOLD = str.maketrans(FOLD_FROM, FOLD_TO)
_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_CODE = re.compile(r"[A-Z]{2,4}(?:\.[A-Z0-9]{1,4})*")
_CODE_SEPARATORS = re.compile(r"[\s.,:;/_\-]+")
_BULLET = re.compile(r"^\s*[-*•]\s+", re.MULTILINE)
_MARKUP = re.compile(r"[*`]")


@dataclass(frozen=True)
class Hit:
    """One search result; what a result list needs to show it and to open it."""

    kind: str  # "measure" | "module" | "note" | "wiki"
    code: str  # measure code (measure, note), module code (module) or page slug (wiki)
    title: str  # measure or module title
    snippet: str  # plain text, one line, at most SNIPPET_CHARS, around the first match
    edition_key: str
    level: str = ""  # measure level for measure and note hits
    municipality_id: int | None = None  # note hits
    municipality_name: str = ""  # note hits
    #: Text relevance from the database (-bm25 on SQLite, ts_rank on PostgreSQL): higher is better.
    #: Comparable only between hits of one kind from one call; 0.0 for code matches.
    rank: float = 0.0


def search(
    session: Session,
    query: str,
    *,
    edition_id: int | None = None,
    municipality_id: int | None = None,
    limit: int = 40,
    kinds: Collection[str] = KINDS,
) -> list[Hit]:
    """Measures, modules and notes matching ``query``, best first, at most ``limit``.

    Order: code matches (exact, then by prefix), then measures, modules and notes, each by
    relevance with the code as tie-break. ``edition_id`` keeps catalogue hits to one edition
    (default: all, newest first); ``municipality_id`` keeps notes to one municipality (default:
    all, with the municipality's name). ``kinds`` chooses what to search, e.g. ``("note",)``.
    A blank query, or one without a letter or digit, finds nothing.
    """
    unknown = set(kinds) - set(ALL_KINDS)
    if unknown:
        raise ValidationError(f"cannot search {', '.join(sorted(unknown))}: choose from {', '.join(ALL_KINDS)}")
    words = query_words(query)
    if not words or limit <= 0:
        return []
    conn = session.connection()
    sqlite = conn.dialect.name == "sqlite"
    rows = conn.execute(select(m.Edition.id, m.Edition.key, m.Edition.year))  # type: ignore[call-overload]
    editions = {eid: (key, year or 0) for eid, key, year in rows}
    ctx = _Context(conn, sqlite, editions, words, edition_id, access_of(session))

    hits: list[Hit] = []
    seen: set[tuple[str, int]] = set()

    def add(found: Iterable[tuple[tuple[str, int], Hit]]) -> None:
        for key, hit in found:
            if len(hits) >= limit:
                return
            if key not in seen:
                seen.add(key)
                hits.append(hit)

    code = code_query(query)
    catalogue = [k for k in ("measure", "module") if k in kinds]
    if code and catalogue:
        add(_code_hits(ctx, code, catalogue, limit))
    match = _fts5_query(words) if sqlite else _tsquery(words)
    if match:
        if "measure" in kinds and len(hits) < limit:
            add(_measure_hits(ctx, match, limit + len(seen)))
        if "module" in kinds and len(hits) < limit:
            add(_module_hits(ctx, match, limit + len(seen)))
        if "note" in kinds and len(hits) < limit:
            add(_note_hits(ctx, match, municipality_id, limit - len(hits)))
        if "wiki" in kinds and len(hits) < limit:
            add(_wiki_hits(ctx, match, limit - len(hits)))
    return hits


# --- the query ---------------------------------------------------------------------


def query_words(query: str) -> list[str]:
    """The words of a query: runs of letters and digits, at most MAX_WORDS, nothing else."""
    words = _WORD.findall(unicodedata.normalize("NFKC", query or ""))
    return [w[:MAX_WORD_CHARS] for w in words[:MAX_WORDS]]


def fold(value: str) -> str:
    """Lower case, accented Latin letters to ASCII, the same length as ``value`` where possible."""
    low = value.lower()
    return (low if len(low) == len(value) else value).translate(_FOLD)


def code_query(query: str) -> str | None:
    """'orp 4 m1', 'ORP.4.M1' and 'Orp4.m1' give 'ORP.4.M1'; None when the query is no code."""
    parts = [p for p in _CODE_SEPARATORS.split((query or "").strip().upper()) if p]
    if not parts:
        return None
    head = re.fullmatch(r"([A-Z]{2,4})(\d+)", parts[0])
    if head:
        parts[0:1] = list(head.groups())
    code = ".".join(parts)
    return code if _CODE.fullmatch(code) else None


def _fts5_query(words: Sequence[str]) -> str:
    # Each word quoted (a word has no '"') and marked as a prefix; juxtaposition is AND in FTS5.
    # FTS5's own tokenizer folds case and diacritics of the quoted word, as it did for the text.
    return " ".join(f'"{w}"*' for w in words)


def _tsquery(words: Sequence[str]) -> str:
    # Only [a-z0-9] survive the folding, so nothing in the string is special to to_tsquery.
    tokens = _ASCII_WORD.findall(fold(" ".join(words)))
    return " & ".join(f"{t}:*" for t in tokens)


# --- the searches ------------------------------------------------------------------------


@dataclass
class _Context:
    conn: Connection
    sqlite: bool
    editions: dict[int, tuple[str, int]]
    words: list[str]
    edition_id: int | None
    access: Access

    def edition_key(self, edition_id: int) -> str:
        return self.editions[edition_id][0]

    def newest_first(self, edition_id: int) -> tuple[int, int]:
        year = self.editions[edition_id][1]
        return (-year, -edition_id)


def natural_key(code: str) -> tuple[tuple[int, int, str], ...]:
    """ORP.4.M2 before ORP.4.M10; SYS.2.1 before SYS.2.1.M1."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.findall(r"\d+|\D+", code))


def _code_hits(ctx: _Context, code: str, kinds: Sequence[str], limit: int) -> list[tuple[tuple[str, int], Hit]]:
    # Codes are few (about 4 000 over two editions): match them all, order here, read details for the best.
    found: list[tuple[str, int, str, int]] = []
    for kind, model in (("measure", m.Measure), ("module", m.Module)):
        if kind in kinds:
            stmt = select(model.id, model.code, model.edition_id)  # type: ignore[call-overload]
            stmt = stmt.where(model.code.like(f"{code}%"))  # type: ignore[attr-defined]
            if ctx.edition_id is not None:
                stmt = stmt.where(model.edition_id == ctx.edition_id)
            found += [(kind, id_, code_, eid) for id_, code_, eid in ctx.conn.execute(stmt)]
    found.sort(key=lambda r: (r[2] != code, natural_key(r[2]), ctx.newest_first(r[3]), r[1]))
    found = found[:limit]
    details: dict[tuple[str, int], tuple[str, str, str]] = {}
    measure_ids = [r[1] for r in found if r[0] == "measure"]
    if measure_ids:
        stmt = select(m.Measure.id, m.Measure.title, m.Measure.level, m.Measure.text)  # type: ignore[call-overload]
        for id_, title, level, body in ctx.conn.execute(stmt.where(m.Measure.id.in_(measure_ids))):  # type: ignore[union-attr]
            details["measure", id_] = (title, level, body)
    module_ids = [r[1] for r in found if r[0] == "module"]
    if module_ids:
        stmt = select(m.Module.id, m.Module.title, m.Module.purpose)  # type: ignore[call-overload]
        for id_, title, body in ctx.conn.execute(stmt.where(m.Module.id.in_(module_ids))):  # type: ignore[union-attr]
            details["module", id_] = (title, "", body)
    out = []
    for kind, id_, code_, eid in found:
        title, level, body = details[kind, id_]
        hit = Hit(kind, code_, title, snippet(body or title, ()), ctx.edition_key(eid), level=level)
        out.append(((kind, id_), hit))
    return out


_SQLITE_MEASURES = """
SELECT me.id, me.code, me.title, me.level, me.text, me.edition_id, -bm25(measure_fts, 10.0, 5.0, 1.0) AS score
FROM measure_fts JOIN measure AS me ON me.id = measure_fts.rowid
WHERE measure_fts MATCH :match {edition}
ORDER BY score DESC, me.code, me.edition_id DESC LIMIT :limit
"""
_PG_MEASURES = """
SELECT me.id, me.code, me.title, me.level, me.text, me.edition_id, ts_rank(me.search_vector, q) AS score
FROM to_tsquery('simple', :match) AS q JOIN measure AS me ON me.search_vector @@ q
WHERE TRUE {edition}
ORDER BY score DESC, me.code, me.edition_id DESC LIMIT :limit
"""
_SQLITE_MODULES = """
SELECT mo.id, mo.code, mo.title, mo.purpose, mo.edition_id, -bm25(module_fts, 10.0, 5.0, 1.0) AS score
FROM module_fts JOIN module AS mo ON mo.id = module_fts.rowid
WHERE module_fts MATCH :match {edition}
ORDER BY score DESC, mo.code, mo.edition_id DESC LIMIT :limit
"""
_PG_MODULES = """
SELECT mo.id, mo.code, mo.title, mo.purpose, mo.edition_id, ts_rank(mo.search_vector, q) AS score
FROM to_tsquery('simple', :match) AS q JOIN module AS mo ON mo.search_vector @@ q
WHERE TRUE {edition}
ORDER BY score DESC, mo.code, mo.edition_id DESC LIMIT :limit
"""
_NOTE_JOINS = """
JOIN target_object AS t ON t.id = s.target_object_id
JOIN municipality AS mu ON mu.id = t.municipality_id
JOIN measure AS me ON me.id = s.measure_id
"""
_SQLITE_NOTES = f"""
SELECT s.id, s.note, mu.id, mu.name, me.code, me.title, me.level, me.edition_id, -bm25(status_note_fts) AS score
FROM status_note_fts JOIN measure_status AS s ON s.id = status_note_fts.rowid {_NOTE_JOINS}
WHERE status_note_fts MATCH :match AND NOT s.archived {{municipality}}
ORDER BY score DESC, mu.name, me.code, me.edition_id DESC LIMIT :limit
"""
_PG_NOTES = f"""
SELECT s.id, s.note, mu.id, mu.name, me.code, me.title, me.level, me.edition_id, ts_rank(s.search_vector, q) AS score
FROM to_tsquery('simple', :match) AS q JOIN measure_status AS s ON s.search_vector @@ q {_NOTE_JOINS}
WHERE NOT s.archived {{municipality}}
ORDER BY score DESC, mu.name, me.code, me.edition_id DESC LIMIT :limit
"""


def _measure_hits(ctx: _Context, match: str, limit: int) -> list[tuple[tuple[str, int], Hit]]:
    sql = (_SQLITE_MEASURES if ctx.sqlite else _PG_MEASURES).format(
        edition="AND me.edition_id = :edition_id" if ctx.edition_id is not None else ""
    )
    rows = list(ctx.conn.execute(text(sql), {"match": match, "limit": limit, "edition_id": ctx.edition_id}))
    rows.sort(key=lambda r: (-r.score, natural_key(r.code), ctx.newest_first(r.edition_id)))
    return [
        (
            ("measure", r.id),
            Hit(
                kind="measure",
                code=r.code,
                title=r.title,
                snippet=snippet(r.text or r.title, ctx.words),
                edition_key=ctx.edition_key(r.edition_id),
                level=r.level,
                rank=float(r.score),
            ),
        )
        for r in rows
    ]


def _module_hits(ctx: _Context, match: str, limit: int) -> list[tuple[tuple[str, int], Hit]]:
    sql = (_SQLITE_MODULES if ctx.sqlite else _PG_MODULES).format(
        edition="AND mo.edition_id = :edition_id" if ctx.edition_id is not None else ""
    )
    rows = list(ctx.conn.execute(text(sql), {"match": match, "limit": limit, "edition_id": ctx.edition_id}))
    rows.sort(key=lambda r: (-r.score, natural_key(r.code), ctx.newest_first(r.edition_id)))
    return [
        (
            ("module", r.id),
            Hit(
                kind="module",
                code=r.code,
                title=r.title,
                snippet=snippet(r.purpose or r.title, ctx.words),
                edition_key=ctx.edition_key(r.edition_id),
                rank=float(r.score),
            ),
        )
        for r in rows
    ]


def _note_hits(ctx: _Context, match: str, municipality_id: int | None, limit: int) -> list[tuple[tuple[str, int], Hit]]:
    where = "AND t.municipality_id = :municipality_id" if municipality_id is not None else ""
    readable = ctx.access.readable_ids_sql()
    if readable is not None:  # filtered before LIMIT: the rows kept are the best of what may be read
        where += f" AND t.municipality_id IN {readable}"
    sql = (_SQLITE_NOTES if ctx.sqlite else _PG_NOTES).format(municipality=where)
    params = {"match": match, "limit": limit, "municipality_id": municipality_id}
    out = []
    for sid, note, mid, name, code, title, level, eid, score in ctx.conn.execute(text(sql), params):
        if not ctx.access.can_read(mid):
            continue  # another municipality's notes are not this user's to read
        hit = Hit(
            kind="note",
            code=code,
            title=title,
            snippet=snippet(note, ctx.words),
            edition_key=ctx.edition_key(eid),
            level=level,
            municipality_id=mid,
            municipality_name=name,
            rank=float(score),
        )
        out.append((("note", sid), hit))
    return out


_SQLITE_WIKI = """
SELECT p.id, p.slug, p.title, p.body, -bm25(wiki_page_fts, 5.0, 1.0) AS score
FROM wiki_page_fts JOIN wiki_page AS p ON p.id = wiki_page_fts.rowid
WHERE wiki_page_fts MATCH :match ORDER BY score DESC, p.slug LIMIT :limit
"""
_PG_WIKI = """
SELECT p.id, p.slug, p.title, p.body, ts_rank(p.search_vector, q) AS score
FROM to_tsquery('simple', :match) AS q JOIN wiki_page AS p ON p.search_vector @@ q
ORDER BY score DESC, p.slug LIMIT :limit
"""


def _wiki_hits(ctx: _Context, match: str, limit: int) -> list[tuple[tuple[str, int], Hit]]:
    from eits_tracker.wiki.pages import can_read_wiki

    if not can_read_wiki(ctx.access):
        return []
    rows = ctx.conn.execute(text(_SQLITE_WIKI if ctx.sqlite else _PG_WIKI), {"match": match, "limit": limit})
    return [
        (("wiki", r.id), Hit("wiki", r.slug, r.title, snippet(r.body or r.title, ctx.words), "", rank=float(r.score)))
        for r in rows
    ]


# --- snippets ------------------------------------------------------------------------------


def snippet(body: str, words: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """A one-line excerpt of ``body`` of at most ``width`` characters around the first word found.

    Computed here rather than by the database so that both backends give the same excerpt.
    Without a match (the hit was found by its code or title) it is the start of the body.
    The catalogue's light Markdown (list bullets, *emphasis*) is dropped.
    """
    flat = " ".join(_MARKUP.sub("", _BULLET.sub("", body)).split())
    if len(flat) <= width:
        return flat
    pos = _first_match(flat, words)
    # Some context before the match, but never less text than fits after it near the end.
    start = max(0, min(pos - width // 4, len(flat) - (width - 1)))
    if start > 0 and flat[start - 1] != " ":
        space = flat.find(" ", start, pos)
        if space >= 0:
            start = space + 1
    lead = "…" if start > 0 else ""
    room = width - len(lead)
    if len(flat) - start <= room:
        return lead + flat[start:]
    room -= 1  # the trailing ellipsis
    cut = flat.rfind(" ", start, start + room + 1)
    end = cut if cut > max(start, pos) else start + room
    return lead + flat[start:end].rstrip() + "…"


def _first_match(flat: str, words: Sequence[str]) -> int:
    folded = fold(flat)  # letter for letter, so positions carry over to ``flat``
    best = -1
    for word in words:
        m_ = re.search(r"(?<![^\W_])" + re.escape(fold(word)), folded)
        if m_ and (best < 0 or m_.start() < best):
            best = m_.start()
    return max(best, 0)
