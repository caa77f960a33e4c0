"""First-run links (setup_link); each account's choice of reading or editing view

setup_link holds the digest of each one-time link printed on the console to create the
first administrator (models/setup_link.py): when it expires, and when it was used.
user.reader_view remembers the staff bar's switch: articles shown as readers see them
(true) or with their edit controls (false, the default, as before).

Revision ID: 0008a
Revises: 0007b
"""

import sqlalchemy as sa
from alembic import op

revision = "0008a"
down_revision = "0008d"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "setup_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setup_link")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_setup_link_token_digest")),
    )
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(
            sa.Column("reader_view", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("reader_view")
    op.drop_table("setup_link")
