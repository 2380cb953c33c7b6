"""full-text search over measures, modules and status notes: FTS5 on SQLite, tsvector + GIN on PostgreSQL

SQLite: external-content FTS5 tables (the text lives once, in the real tables) with the
unicode61 tokenizer folding case and diacritics, kept in step by the usual triggers (an
update that does not touch the indexed columns, such as a status change, fires none).

PostgreSQL: a STORED generated tsvector column per table with a GIN index. No extension
(unaccent) is assumed, so the folding is an immutable expression: lower(), translate() of
accented Latin letters to ASCII (those that decompose into a letter and marks, the ones SQLite's
unicode61 folds too), every other character a separator. eits_tracker.tracking.search
folds the query the same way (FOLD_FROM/FOLD_TO there must equal the strings here).

The ORM models do not declare any of this: nothing but the search reads it.

Revision ID: 0003_full_text_search
Revises: 0002_history_append_only
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_full_text_search"
down_revision: str | None = "0002_history_append_only"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZE = "unicode61 remove_diacritics 2"

# (fts table, content table, indexed columns); the fts column names are the content column names.
SQLITE_TABLES = (
    ("measure_fts", "measure", ("code", "title", "text")),
    ("module_fts", "module", ("code", "title", "purpose")),
    ("status_note_fts", "measure_status", ("note",)),
)

FOLD_FROM = (
    "àáâãäåāăąçćčĉċďèéêëēėęěìíîïīįĺľńňñòóôõöōőŕřśšşťţùúûüūůűýÿźżž"
    "ÀÁÂÃÄÅĀĂĄÇĆČĈĊĎÈÉÊËĒĖĘĚÌÍÎÏĪĮĹĽŃŇÑÒÓÔÕÖŌŐŔŘŚŠŞŤŢÙÚÛÜŪŮŰÝŸŹŻŽ"
)
FOLD_TO = (
    "aaaaaaaaacccccdeeeeeeeeiiiiiillnnnooooooorrsssttuuuuuuuyyzzz"
    "aaaaaaaaacccccdeeeeeeeeiiiiiillnnnooooooorrsssttuuuuuuuyyzzz"
)

# (table, weighted columns): A for the code, B for the title, D (the default) for the body.
PG_TABLES = (
    ("measure", (("code", "A"), ("title", "B"), ("text", "D"))),
    ("module", (("code", "A"), ("title", "B"), ("purpose", "D"))),
    ("measure_status", (("note", "D"),)),
)
PG_COLUMN = "search_vector"


def _pg_fold(column: str) -> str:
    return f"regexp_replace(translate(lower({column}), '{FOLD_FROM}', '{FOLD_TO}'), '[^a-z0-9]+', ' ', 'g')"


def _pg_vector(columns: Sequence[tuple[str, str]]) -> str:
    return " || ".join(f"setweight(to_tsvector('simple'::regconfig, {_pg_fold(c)}), '{w}')" for c, w in columns)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _pg_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for fts, _content, _columns in SQLITE_TABLES:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    else:
        for table, _columns in PG_TABLES:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_{PG_COLUMN}")
            op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {PG_COLUMN}")


def _sqlite_upgrade() -> None:
    for fts, content, columns in SQLITE_TABLES:
        names = ", ".join(columns)
        new = ", ".join(f"new.{c}" for c in columns)
        old = ", ".join(f"old.{c}" for c in columns)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{content}', content_rowid='id', "
            f"tokenize='{TOKENIZE}')"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {content} BEGIN "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {content} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_au AFTER UPDATE OF id, {names} ON {content} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def _pg_upgrade() -> None:
    for table, columns in PG_TABLES:
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN {PG_COLUMN} tsvector GENERATED ALWAYS AS ({_pg_vector(columns)}) STORED"
        )
        op.execute(f"CREATE INDEX ix_{table}_{PG_COLUMN} ON {table} USING gin ({PG_COLUMN})")
