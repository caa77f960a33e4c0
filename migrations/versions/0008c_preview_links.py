"""Preview links: secret addresses showing an unpublished article (only a hash is stored)

Revision ID: 0008c
Revises: 0007b
"""

import sqlalchemy as sa
from alembic import op

revision = "0008c"
down_revision = "0008b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "preview_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_preview_link_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
            name=op.f("fk_preview_link_created_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preview_link")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_preview_link_token_hash")),
    )
    op.create_index("ix_preview_link_article_id", "preview_link", ["article_id", "id"])


def downgrade():
    op.drop_index("ix_preview_link_article_id", table_name="preview_link")
    op.drop_table("preview_link")
