"""access control: permission changes (append-only), sessions append-only, and on PostgreSQL
row-level security keyed to the database login, a group role eits_user with its grants

Revision ID: 0005_access_control
Revises: 0004_mentor_network
Create Date: 2026-11-27

The rules are those of eits_tracker/access.py, written once more in SQL so that they hold for
someone who connects with their login and a psql prompt. Superusers and the tables' owner (who
runs the migrations) bypass row-level security: they are the administrators of the database.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import eits_tracker.db.types

revision: str = "0005_access_control"
down_revision: str | None = "0004_mentor_network"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("permission_change", "mentor_session")
GROUP = "eits_user"
#: Tables a user's login may write (row-level security decides which rows); the rest is read-only.
WRITABLE = (
    "measure_status",
    "status_history",
    "mentor_session",
    "follow_up",
    "draft",
    "target_object",
    "target_object_module",
    "module_applicability",
    "municipality",
    "edition_migration",
)
PROTECTED = ("measure_status", "status_history", "mentor_session", "follow_up", "draft")

FUNCTIONS = {
    "eits_roles()": "RETURNS jsonb AS $$ SELECT coalesce((SELECT roles::jsonb FROM person "
    "WHERE login = session_user AND active), '[]'::jsonb) $$",
    "eits_home()": "RETURNS integer AS $$ SELECT municipality_id FROM person WHERE login = session_user AND active $$",
    "eits_is_admin()": """RETURNS boolean AS $$ SELECT eits_roles() @> '["specialist"]' $$""",
    "eits_mentors(mid integer)": """RETURNS boolean AS $$ SELECT eits_roles() @> '["mentor"]' AND EXISTS (
        SELECT 1 FROM assignment a JOIN person p ON p.id = a.mentor_id
        WHERE p.login = session_user AND a.municipality_id = mid
          AND (now() AT TIME ZONE 'Europe/Tallinn')::date BETWEEN a.start_date AND a.end_date) $$""",
    "eits_is_contact_of(mid integer)": """RETURNS boolean AS $$
        SELECT eits_roles() @> '["contact"]' AND eits_home() = mid $$""",
    "eits_can_read(mid integer)": """RETURNS boolean AS $$ SELECT eits_is_admin() OR eits_roles() @> '["viewer"]'
        OR eits_mentors(mid) OR eits_is_contact_of(mid) $$""",
    "eits_can_write(mid integer)": """RETURNS boolean AS $$
        SELECT eits_is_admin() OR eits_mentors(mid) OR eits_is_contact_of(mid) $$""",
    "eits_target_municipality(tid integer)": """RETURNS integer AS $$
        SELECT municipality_id FROM target_object WHERE id = tid $$""",
}

POLICIES = [
    # statuses: the municipality is the target object's
    ("measure_status", "read", "SELECT", "USING (eits_can_read(eits_target_municipality(target_object_id)))"),
    ("measure_status", "add", "INSERT", "WITH CHECK (eits_can_write(eits_target_municipality(target_object_id)))"),
    (
        "measure_status",
        "change",
        "UPDATE",
        "USING (eits_can_write(eits_target_municipality(target_object_id))) "
        "WITH CHECK (eits_can_write(eits_target_municipality(target_object_id)))",
    ),
    # history: readable like the statuses; written only under one's own login
    ("status_history", "read", "SELECT", "USING (eits_can_read(municipality_id))"),
    (
        "status_history",
        "add",
        "INSERT",
        "WITH CHECK (eits_can_write(municipality_id) AND (eits_is_admin() OR changed_by = current_user))",
    ),
    ("mentor_session", "read", "SELECT", "USING (eits_can_read(municipality_id))"),
    (
        "mentor_session",
        "add",
        "INSERT",
        "WITH CHECK ((eits_is_admin() OR eits_mentors(municipality_id)) "
        "AND (eits_is_admin() OR recorded_by = current_user))",
    ),
    ("follow_up", "read", "SELECT", "USING (eits_can_read(municipality_id))"),
    ("follow_up", "add", "INSERT", "WITH CHECK (eits_is_admin() OR eits_mentors(municipality_id))"),
    (
        "follow_up",
        "close",
        "UPDATE",
        "USING (eits_is_admin() OR eits_mentors(municipality_id) OR eits_is_contact_of(municipality_id)) "
        "WITH CHECK (eits_is_admin() OR eits_mentors(municipality_id) OR eits_is_contact_of(municipality_id))",
    ),
    ("draft", "own", "ALL", "USING (owner = current_user OR eits_is_admin()) WITH CHECK (owner = current_user)"),
]


def upgrade() -> None:
    op.create_table(
        "permission_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changed_at", eits_tracker.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_permission_change_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_permission_change")),
    )
    op.create_index(op.f("ix_permission_change_person_id"), "permission_change", ["person_id"], unique=False)
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in APPEND_ONLY:
        message = f"{table} is append-only: rows are never updated or deleted"
        if sqlite:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
        else:
            op.execute(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{message}'; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )
    if sqlite:
        return
    # The group every user's login belongs to. Roles are per cluster: create it once.
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{GROUP}') "
        f"THEN CREATE ROLE {GROUP} NOLOGIN; END IF; END $$"
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {GROUP}")
    op.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {GROUP}")
    op.execute(f"GRANT INSERT, UPDATE ON {', '.join(WRITABLE)} TO {GROUP}")
    op.execute(f"GRANT DELETE ON draft TO {GROUP}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {GROUP}")
    # Tables of later migrations are readable too unless they say otherwise.
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO {GROUP}")
    for signature, body in FUNCTIONS.items():
        # SECURITY DEFINER: the functions read person and assignment as their owner (so inside
        # them current_user is the owner: the login is session_user); a fixed search_path keeps
        # a user's own objects from being called in their place.
        op.execute(
            f"CREATE FUNCTION {signature} {body} LANGUAGE sql STABLE SECURITY DEFINER "
            "SET search_path = public, pg_temp"
        )
    for table in PROTECTED:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    for table, name, command, clause in POLICIES:
        op.execute(f"CREATE POLICY {table}_{name} ON {table} FOR {command} TO {GROUP} {clause}")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        for table, name, _command, _clause in POLICIES:
            op.execute(f"DROP POLICY {table}_{name} ON {table}")
        for table in PROTECTED:
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for signature in reversed(list(FUNCTIONS)):
            op.execute(f"DROP FUNCTION {signature.split('(')[0]}({_types(signature)})")
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT ON TABLES FROM {GROUP}")
        op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {GROUP}")
        op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {GROUP}")
        op.execute(f"REVOKE USAGE ON SCHEMA public FROM {GROUP}")
        # the role itself stays: other databases of the cluster may use it
    for table in APPEND_ONLY:
        if sqlite:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
        else:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION {table}_append_only()")
    op.drop_index(op.f("ix_permission_change_person_id"), table_name="permission_change")
    op.drop_table("permission_change")


def _types(signature: str) -> str:
    inner = signature.split("(", 1)[1].rstrip(")")
    return ", ".join(part.split()[-1] for part in inner.split(",") if part.strip())
