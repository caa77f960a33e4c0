"""Tags, section descriptions and navigation, section redirects, the curated front page,
and the first publication date

Revision ID: 0009a
Revises: 0008e

- tag, article_tag (with a copy of the article's published_at, for tag pages' keyset
  index, as article_author has), tag_redirect (old slugs after a rename or a merge);
- section.description, in_navigation, nav_position: the masthead shows the top-level
  sections it showed before, in the same order;
- section_redirect: old section paths after a rename or a move;
- front_pin, front_section: the curated front page (models/front.py);
- article.first_published_at: kept when an article is unpublished, so that
  republishing it keeps its date; filled from the articles live today.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009a"
down_revision = "0008e"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag")),
        sa.UniqueConstraint("slug", name=op.f("uq_tag_slug")),
    )
    op.create_table(
        "article_tag",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_article_tag_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], name=op.f("fk_article_tag_tag_id_tag"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("article_id", "tag_id", name=op.f("pk_article_tag")),
    )
    op.create_index(
        "ix_article_tag_tag_published", "article_tag", ["tag_id", "published_at", "article_id"]
    )
    op.create_table(
        "tag_redirect",
        sa.Column("old_slug", sa.String(length=100), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tag.id"], name=op.f("fk_tag_redirect_tag_id_tag"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("old_slug", name=op.f("pk_tag_redirect")),
    )
    op.create_index("ix_tag_redirect_tag_id", "tag_redirect", ["tag_id"])

    op.add_column("section", sa.Column("description", sa.Text(), server_default="", nullable=False))
    op.add_column(
        "section", sa.Column("in_navigation", sa.Boolean(), server_default="0", nullable=False)
    )
    op.add_column(
        "section", sa.Column("nav_position", sa.Integer(), server_default="0", nullable=False)
    )
    op.execute(
        "UPDATE section SET in_navigation = (parent_id IS NULL), nav_position = position"
    )
    op.create_table(
        "section_redirect",
        sa.Column("old_path", sa.String(length=255), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["section.id"],
            name=op.f("fk_section_redirect_section_id_section"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("old_path", name=op.f("pk_section_redirect")),
    )
    op.create_index("ix_section_redirect_section_id", "section_redirect", ["section_id"])

    op.create_table(
        "front_pin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("pinned_at", sa.DateTime(), nullable=False),
        sa.Column("pinned_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_front_pin_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pinned_by_id"],
            ["user.id"],
            name=op.f("fk_front_pin_pinned_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_front_pin")),
        sa.UniqueConstraint("article_id", name=op.f("uq_front_pin_article_id")),
    )
    op.create_table(
        "front_section",
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["section.id"],
            name=op.f("fk_front_section_section_id_section"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("section_id", name=op.f("pk_front_section")),
    )

    # A plain ADD COLUMN: no table rebuild on SQLite, so the article table's triggers and
    # index order stay as they are.
    op.add_column("article", sa.Column("first_published_at", sa.DateTime(), nullable=True))
    now = datetime.now(UTC).replace(tzinfo=None)
    op.get_bind().execute(
        sa.text(
            "UPDATE article SET first_published_at = published_at"
            " WHERE status = 'published' AND published_at <= :now"
        ),
        {"now": now},
    )


def downgrade():
    with op.batch_alter_table("article") as batch:
        batch.drop_column("first_published_at")
    op.drop_table("front_section")
    op.drop_table("front_pin")
    op.drop_index("ix_section_redirect_section_id", table_name="section_redirect")
    op.drop_table("section_redirect")
    with op.batch_alter_table("section") as batch:
        batch.drop_column("nav_position")
        batch.drop_column("in_navigation")
        batch.drop_column("description")
    op.drop_index("ix_tag_redirect_tag_id", table_name="tag_redirect")
    op.drop_table("tag_redirect")
    op.drop_index("ix_article_tag_tag_published", table_name="article_tag")
    op.drop_table("article_tag")
    op.drop_table("tag")
