"""WordPress import: old addresses and the origin of imported rows

Revision ID: 0010a
Revises: 0009a

- legacy_redirect: an imported article's old permalink ("/2019/03/titre", "/?p=42"),
  answered with a 301 by the 404 page;
- wordpress_origin: (site, kind, WordPress id) -> the row it became, so that importing
  the same export again updates instead of duplicating; for a post, revision_id is the
  revision the import wrote (a newer one means the newsroom changed the article since).

New tables only: `article` is not altered.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010a"
down_revision = "0009a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "legacy_redirect",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("old_path", sa.String(length=500), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_legacy_redirect_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legacy_redirect")),
        sa.UniqueConstraint("old_path", name=op.f("uq_legacy_redirect_old_path")),
    )
    op.create_index(
        op.f("ix_legacy_redirect_article_id"), "legacy_redirect", ["article_id"], unique=False
    )
    op.create_table(
        "wordpress_origin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("wp_id", sa.BigInteger(), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wordpress_origin")),
        sa.UniqueConstraint("site", "kind", "wp_id", name=op.f("uq_wordpress_origin_site")),
    )


def downgrade():
    op.drop_table("wordpress_origin")
    op.drop_index(op.f("ix_legacy_redirect_article_id"), table_name="legacy_redirect")
    op.drop_table("legacy_redirect")
