"""Inquiries: one row per submitted form (submission_key); outbox: why a message was given up

SponsorshipInquiry.submission_key is the per-render nonce signed into the inquiry form: a
unique constraint makes a second copy of the same submission (a lost response and
"Envoyer" pressed again, a client retry) fail to insert, whichever worker receives it.
NULL (forms without a nonce: forged or missing tokens, quarantined as spam) may repeat.

OutboxMessage.failure says why a message was given up at once ("unsafe",
"no-smtputf8", "invalid-address", "unexpected"), so the inbox can say it in words.

Revision ID: 0007b
Revises: 0007c
"""

import sqlalchemy as sa
from alembic import op

revision = "0007b"
down_revision = "0007c"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sponsorship_inquiry") as batch_op:
        batch_op.add_column(sa.Column("submission_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            op.f("uq_sponsorship_inquiry_submission_key"), ["submission_key"]
        )
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(
            sa.Column("failure", sa.String(length=24), nullable=False, server_default="")
        )


def downgrade():
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_column("failure")
    with op.batch_alter_table("sponsorship_inquiry") as batch_op:
        batch_op.drop_constraint(op.f("uq_sponsorship_inquiry_submission_key"), type_="unique")
        batch_op.drop_column("submission_key")
