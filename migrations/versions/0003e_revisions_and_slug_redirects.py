"""Revisions (a snapshot per save) and old article slugs that redirect

Revision ID: 0003e
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003e"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_revision_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_revision_author_id_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revision")),
    )
    op.create_index(op.f("ix_revision_article_id"), "revision", ["article_id"])
    op.create_table(
        "article_slug_redirect",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("old_slug", sa.String(length=200), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_article_slug_redirect_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_slug_redirect")),
        sa.UniqueConstraint("old_slug", name=op.f("uq_article_slug_redirect_old_slug")),
    )
    op.create_index(
        op.f("ix_article_slug_redirect_article_id"), "article_slug_redirect", ["article_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_article_slug_redirect_article_id"), table_name="article_slug_redirect")
    op.drop_table("article_slug_redirect")
    op.drop_index(op.f("ix_revision_article_id"), table_name="revision")
    op.drop_table("revision")
