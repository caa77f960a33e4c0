"""Prepared reader HTML: article.content_version and the prepared_article table

Revision ID: 0011a
Revises: 0010a

- article.content_version: incremented whenever anything its reader page shows changes;
- prepared_article: per article and language, the reader HTML prepared at save
  (models/prepared.py), valid while its content_version and code stamp match.

Existing articles start with no prepared row: each is prepared on its first read (or by
`flask articles prepare`).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011a"
down_revision = "0010a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("article") as batch:
        batch.add_column(
            sa.Column("content_version", sa.Integer(), nullable=False, server_default="1")
        )
    op.create_table(
        "prepared_article",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("meta_html", sa.Text(), nullable=False),
        sa.Column("seo_html", sa.Text(), nullable=False),
        sa.Column("article_html", sa.Text(), nullable=False),
        sa.Column("teaser_html", sa.Text(), nullable=False),
        sa.Column("frame_origins", sa.Text(), nullable=False),
        sa.Column("trail_ids", sa.Text(), nullable=False),
        sa.Column("shows", sa.Text(), nullable=False),
        sa.Column("prepared_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_prepared_article_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "locale", name=op.f("pk_prepared_article")),
    )


def downgrade():
    op.drop_table("prepared_article")
    with op.batch_alter_table("article") as batch:
        batch.drop_column("content_version")
