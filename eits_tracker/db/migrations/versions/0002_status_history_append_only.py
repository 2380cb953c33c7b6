"""status history is append-only: triggers refuse UPDATE and DELETE on both backends

Revision ID: 0002_history_append_only
Revises: 0001_initial
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002_history_append_only"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "status_history is append-only: rows are never updated or deleted"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER status_history_no_{action.lower()} BEFORE {action} ON status_history "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    else:
        op.execute(
            "CREATE FUNCTION status_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER status_history_append_only BEFORE UPDATE OR DELETE ON status_history "
            "FOR EACH ROW EXECUTE FUNCTION status_history_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER status_history_no_update")
        op.execute("DROP TRIGGER status_history_no_delete")
    else:
        op.execute("DROP TRIGGER status_history_append_only ON status_history")
        op.execute("DROP FUNCTION status_history_append_only()")
