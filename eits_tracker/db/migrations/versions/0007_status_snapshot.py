"""status snapshots at completed quarter ends, so that a past quarter is read, not replayed; on
PostgreSQL read like the history and written by administrators only

Revision ID: 0007_status_snapshot
Revises: 0006_wiki
Create Date: 2026-11-27

A snapshot is derived from the history (eits_tracker/tracking/snapshots.py): whoever may read a
municipality's history may read its snapshots. Only an administrator (or the table's owner) may
write them, because the others trust a snapshot without replaying the history behind it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import eits_tracker.db.types

revision: str = "0007_status_snapshot"
down_revision: str | None = "0006_wiki"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GROUP = "eits_user"
POLICIES = [
    ("read", "SELECT", "USING (eits_can_read(municipality_id))"),
    ("add", "INSERT", "WITH CHECK (eits_is_admin())"),
    ("change", "UPDATE", "USING (eits_is_admin()) WITH CHECK (eits_is_admin())"),
]


def upgrade() -> None:
    op.create_table(
        "status_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("at", eits_tracker.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("history_count", sa.Integer(), nullable=False),
        sa.Column("history_max_id", sa.Integer(), nullable=False),
        sa.Column("statuses", sa.LargeBinary(), nullable=False),
        sa.Column("made_at", eits_tracker.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"], ["municipality.id"], name=op.f("fk_status_snapshot_municipality_id_municipality")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_snapshot")),
        sa.UniqueConstraint("municipality_id", "at", name=op.f("uq_status_snapshot_municipality_id_at")),
    )
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{GROUP}') "
        f"THEN CREATE ROLE {GROUP} NOLOGIN; END IF; END $$"
    )
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON status_snapshot TO {GROUP}")
    op.execute(f"GRANT USAGE, SELECT ON SEQUENCE status_snapshot_id_seq TO {GROUP}")
    op.execute("ALTER TABLE status_snapshot ENABLE ROW LEVEL SECURITY")
    for name, command, clause in POLICIES:
        op.execute(f"CREATE POLICY status_snapshot_{name} ON status_snapshot FOR {command} TO {GROUP} {clause}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for name, _command, _clause in POLICIES:
            op.execute(f"DROP POLICY IF EXISTS status_snapshot_{name} ON status_snapshot")
    op.drop_table("status_snapshot")
