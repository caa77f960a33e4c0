"""Co-authors (article_author, filled from article.author_id) and search/social fields

An article's authors, in byline order, are rows of article_author; article.author_id
stays as the lead author (models/authorship.py). Each row copies its article's
published_at, so that an author page (co-signed articles included) reads one range of
ix_article_author_user_published, as ix_article_author_published did for one author.

Revision ID: 0008e
Revises: 0007b
"""

import sqlalchemy as sa
from alembic import op

revision = "0008e"
down_revision = "0008a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "article_author",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_article_author_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_article_author_user_id_user")
        ),
        sa.PrimaryKeyConstraint("article_id", "user_id", name=op.f("pk_article_author")),
    )
    op.create_index(
        "ix_article_author_user_published",
        "article_author",
        ["user_id", "published_at", "article_id"],
    )
    # Every article so far has one author: its lead.
    op.execute(
        "INSERT INTO article_author (article_id, user_id, position, published_at) "
        "SELECT id, author_id, 0, published_at FROM article"
    )
    with op.batch_alter_table("article") as batch:
        batch.add_column(
            sa.Column("seo_title", sa.String(length=120), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column("seo_description", sa.String(length=320), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column("social_image", sa.String(length=32), server_default="", nullable=False)
        )


def downgrade():
    # Co-authors beyond the lead (article.author_id) are lost.
    with op.batch_alter_table("article") as batch:
        batch.drop_column("social_image")
        batch.drop_column("seo_description")
        batch.drop_column("seo_title")
    op.drop_index("ix_article_author_user_published", table_name="article_author")
    op.drop_table("article_author")
