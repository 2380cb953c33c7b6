"""best-practice wiki: pages, append-only revisions, references to the catalogue; full-text search;
on PostgreSQL the grants and row-level security of 0005 extended to the wiki

Revision ID: 0006_wiki
Revises: 0005_access_control
Create Date: 2026-11-27

Who may do what (eits_tracker/wiki/pages.py says the same in Python): every role reads the wiki;
specialists and mentors write any page; a municipality's contact writes pages of their own
municipality. Revisions are written under one's own login and never changed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import eits_tracker.db.types

revision: str = "0006_wiki"
down_revision: str | None = "0005_access_control"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = "eits_user"
TOKENIZE = "unicode61 remove_diacritics 2"
# The same folding as 0003 (eits_tracker.tracking.search folds the query that way).
FOLD_FROM = (
    "àáâãäåāăąçćčĉċďèéêëēėęěìíîïīįĺľńňñòóôõöōőŕřśšşťţùúûüūůűýÿźżž"
    "ÀÁÂÃÄÅĀĂĄÇĆČĈĊĎÈÉÊËĒĖĘĚÌÍÎÏĪĮĹĽŃŇÑÒÓÔÕÖŌŐŔŘŚŠŞŤŢÙÚÛÜŪŮŰÝŸŹŻŽ"
)
FOLD_TO = (
    "aaaaaaaaacccccdeeeeeeeeiiiiiillnnnooooooorrsssttuuuuuuuyyzzz"
    "aaaaaaaaacccccdeeeeeeeeiiiiiillnnnooooooorrsssttuuuuuuuyyzzz"
)

FUNCTIONS = {
    "eits_can_read_wiki()": """RETURNS boolean AS $$ SELECT eits_is_admin()
        OR eits_roles() ?| array['viewer', 'mentor', 'contact'] $$""",
    "eits_can_write_wiki(mid integer)": """RETURNS boolean AS $$ SELECT eits_is_admin()
        OR eits_roles() @> '["mentor"]' OR (eits_roles() @> '["contact"]' AND mid = eits_home()) $$""",
    "eits_wiki_municipality(pid integer)": """RETURNS integer AS $$
        SELECT municipality_id FROM wiki_page WHERE id = pid $$""",
}
POLICIES = [
    ("wiki_page", "read", "SELECT", "USING (eits_can_read_wiki())"),
    ("wiki_page", "add", "INSERT", "WITH CHECK (eits_can_write_wiki(municipality_id))"),
    (
        "wiki_page",
        "change",
        "UPDATE",
        "USING (eits_can_write_wiki(municipality_id)) WITH CHECK (eits_can_write_wiki(municipality_id))",
    ),
    ("wiki_revision", "read", "SELECT", "USING (eits_can_read_wiki())"),
    (
        "wiki_revision",
        "add",
        "INSERT",
        "WITH CHECK (eits_can_write_wiki(eits_wiki_municipality(page_id)) "
        "AND (eits_is_admin() OR edited_by = current_user))",
    ),
    ("wiki_ref", "read", "SELECT", "USING (eits_can_read_wiki())"),
    (
        "wiki_ref",
        "write",
        "ALL",
        "USING (eits_can_write_wiki(eits_wiki_municipality(page_id))) "
        "WITH CHECK (eits_can_write_wiki(eits_wiki_municipality(page_id)))",
    ),
]


def _content_columns() -> list[sa.Column]:
    return [
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("modules", sa.JSON(), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=True),
    ]


def upgrade() -> None:
    utc = eits_tracker.db.types.UTCDateTime(timezone=True)
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "wiki_page",
        sa.Column("id", sa.Integer(), nullable=False),
        *_content_columns(),
        sa.Column("created_at", utc, nullable=False),
        sa.Column("created_by", text(), nullable=False),
        sa.Column("updated_at", utc, nullable=False),
        sa.Column("updated_by", text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["municipality.id"], name=op.f("fk_wiki_page_municipality_id_municipality")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wiki_page")),
        sa.UniqueConstraint("slug", name=op.f("uq_wiki_page_slug")),
    )
    op.create_index(op.f("ix_wiki_page_municipality_id"), "wiki_page", ["municipality_id"], unique=False)
    op.create_table(
        "wiki_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_content_columns(),
        sa.Column("edited_at", utc, nullable=False),
        sa.Column("edited_by", text(), nullable=False),
        sa.Column("note", text(), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["wiki_page.id"], name=op.f("fk_wiki_revision_page_id_wiki_page")),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["municipality.id"], name=op.f("fk_wiki_revision_municipality_id_municipality")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wiki_revision")),
        sa.UniqueConstraint("page_id", "version", name=op.f("uq_wiki_revision_page_id_version")),
    )
    op.create_index(op.f("ix_wiki_revision_page_id"), "wiki_revision", ["page_id"], unique=False)
    op.create_table(
        "wiki_ref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("kind", text(length=10), nullable=False),
        sa.Column("target", text(length=80), nullable=False),
        sa.ForeignKeyConstraint(["page_id"], ["wiki_page.id"], name=op.f("fk_wiki_ref_page_id_wiki_page")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wiki_ref")),
        sa.UniqueConstraint("page_id", "kind", "target", name=op.f("uq_wiki_ref_page_id_kind_target")),
    )
    op.create_index("ix_wiki_ref_kind_target", "wiki_ref", ["kind", "target"], unique=False)

    sqlite = op.get_bind().dialect.name == "sqlite"
    message = "wiki_revision is append-only: rows are never updated or deleted"
    if sqlite:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER wiki_revision_no_{action.lower()} BEFORE {action} ON wiki_revision "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        _sqlite_search()
        return
    op.execute(
        f"CREATE FUNCTION wiki_revision_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{message}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER wiki_revision_append_only BEFORE UPDATE OR DELETE ON wiki_revision "
        "FOR EACH ROW EXECUTE FUNCTION wiki_revision_append_only()"
    )
    _pg_search()
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{GROUP}') "
        f"THEN CREATE ROLE {GROUP} NOLOGIN; END IF; END $$"
    )
    op.execute(f"GRANT SELECT ON wiki_page, wiki_revision, wiki_ref TO {GROUP}")
    op.execute(f"GRANT INSERT, UPDATE ON wiki_page TO {GROUP}")
    op.execute(f"GRANT INSERT ON wiki_revision TO {GROUP}")
    op.execute(f"GRANT INSERT, DELETE ON wiki_ref TO {GROUP}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE wiki_page_id_seq, wiki_revision_id_seq, wiki_ref_id_seq TO {GROUP}")
    for signature, body in FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {signature} {body} LANGUAGE sql STABLE SECURITY DEFINER "
            "SET search_path = public, pg_temp"
        )
    for table in ("wiki_page", "wiki_revision", "wiki_ref"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for table, name, command, clause in POLICIES:
        op.execute(f"CREATE POLICY {table}_{name} ON {table} FOR {command} TO {GROUP} {clause}")


def _sqlite_search() -> None:
    # As 0003: an external-content FTS5 table kept in step by triggers.
    op.execute(
        "CREATE VIRTUAL TABLE wiki_page_fts USING fts5(title, body, content='wiki_page', content_rowid='id', "
        f"tokenize='{TOKENIZE}')"
    )
    op.execute(
        "CREATE TRIGGER wiki_page_fts_ai AFTER INSERT ON wiki_page BEGIN "
        "INSERT INTO wiki_page_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
    )
    op.execute(
        "CREATE TRIGGER wiki_page_fts_ad AFTER DELETE ON wiki_page BEGIN "
        "INSERT INTO wiki_page_fts(wiki_page_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER wiki_page_fts_au AFTER UPDATE OF id, title, body ON wiki_page BEGIN "
        "INSERT INTO wiki_page_fts(wiki_page_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
        "INSERT INTO wiki_page_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
    )


def _pg_fold(column: str) -> str:
    return f"regexp_replace(translate(lower({column}), '{FOLD_FROM}', '{FOLD_TO}'), '[^a-z0-9]+', ' ', 'g')"


def _pg_search() -> None:
    vector = " || ".join(
        f"setweight(to_tsvector('simple'::regconfig, {_pg_fold(c)}), '{w}')" for c, w in (("title", "B"), ("body", "D"))
    )
    op.execute(f"ALTER TABLE wiki_page ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({vector}) STORED")
    op.execute("CREATE INDEX ix_wiki_page_search_vector ON wiki_page USING gin (search_vector)")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for suffix in ("ai", "ad", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS wiki_page_fts_{suffix}")
        op.execute("DROP TABLE IF EXISTS wiki_page_fts")
        op.execute("DROP TRIGGER wiki_revision_no_update")
        op.execute("DROP TRIGGER wiki_revision_no_delete")
    else:
        for table, name, _command, _clause in POLICIES:
            op.execute(f"DROP POLICY {table}_{name} ON {table}")
        for signature in reversed(list(FUNCTIONS)):
            op.execute(f"DROP FUNCTION {signature.split('(')[0]}({_types(signature)})")
        op.execute("DROP TRIGGER wiki_revision_append_only ON wiki_revision")
        op.execute("DROP FUNCTION wiki_revision_append_only()")
    op.drop_index("ix_wiki_ref_kind_target", table_name="wiki_ref")
    op.drop_table("wiki_ref")
    op.drop_index(op.f("ix_wiki_revision_page_id"), table_name="wiki_revision")
    op.drop_table("wiki_revision")
    op.drop_index(op.f("ix_wiki_page_municipality_id"), table_name="wiki_page")
    op.drop_table("wiki_page")


def _types(signature: str) -> str:
    inner = signature.split("(", 1)[1].rstrip(")")
    return ", ".join(part.split()[-1] for part in inner.split(",") if part.strip())
