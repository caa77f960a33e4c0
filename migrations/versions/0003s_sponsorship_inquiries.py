"""Sponsorship inquiries, internal notes on them, and the email outbox

Revision ID: 0003s
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003s"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sponsorship_inquiry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("organisation", sa.String(length=160), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("budget", sa.String(length=24), nullable=False),
        sa.Column("period", sa.String(length=120), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_changed_at", sa.DateTime(), nullable=False),
        sa.Column("spam_reason", sa.String(length=200), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["user.id"], name=op.f("fk_sponsorship_inquiry_assignee_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsorship_inquiry")),
    )
    with op.batch_alter_table("sponsorship_inquiry") as batch_op:
        batch_op.create_index(batch_op.f("ix_sponsorship_inquiry_created_at"), ["created_at"])
        batch_op.create_index(batch_op.f("ix_sponsorship_inquiry_email"), ["email"])
        batch_op.create_index(batch_op.f("ix_sponsorship_inquiry_status"), ["status"])

    op.create_table(
        "inquiry_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_inquiry_note_author_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["inquiry_id"], ["sponsorship_inquiry.id"],
            name=op.f("fk_inquiry_note_inquiry_id_sponsorship_inquiry"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_note")),
    )
    with op.batch_alter_table("inquiry_note") as batch_op:
        batch_op.create_index(batch_op.f("ix_inquiry_note_inquiry_id"), ["inquiry_id"])

    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("to_address", sa.String(length=1000), nullable=False),
        sa.Column("reply_to", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inquiry_id"], ["sponsorship_inquiry.id"],
            name=op.f("fk_outbox_message_inquiry_id_sponsorship_inquiry"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
    )
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_message_inquiry_id"), ["inquiry_id"])
        batch_op.create_index(batch_op.f("ix_outbox_message_status"), ["status"])


def downgrade():
    op.drop_table("outbox_message")
    op.drop_table("inquiry_note")
    op.drop_table("sponsorship_inquiry")
