"""Audit trail of staff actions; failed logins per typed address (login throttling)

Revision ID: 0005a
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005a"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("target", sa.String(length=80), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_audit_event_user_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index("ix_audit_event_user_id_id", "audit_event", ["user_id", "id"])
    op.create_index("ix_audit_event_action_id", "audit_event", ["action", "id"])
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_index(
        op.f("ix_login_throttle_last_attempt_at"), "login_throttle", ["last_attempt_at"]
    )


def downgrade():
    op.drop_index(op.f("ix_login_throttle_last_attempt_at"), table_name="login_throttle")
    op.drop_table("login_throttle")
    op.drop_index("ix_audit_event_action_id", table_name="audit_event")
    op.drop_index("ix_audit_event_user_id_id", table_name="audit_event")
    op.drop_table("audit_event")
