"""Corrections appended to published articles; sponsors of sponsored articles

Revision ID: 0005c
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005c"
down_revision = "0004"
branch_labels = None
depends_on = None


# The article list indexes, in the order 0003f created them: with no statistics, SQLite's
# planner breaks ties between equally good indexes by that order (tests/test_pagination.py).
LIST_INDEXES = {
    "ix_article_live": ["status", "published_at", "id"],
    "ix_article_section_published": ["section_id", "published_at", "id"],
    "ix_article_author_published": ["author_id", "published_at", "id"],
}


def after_sqlite_rebuild():
    """SQLite alters a foreign key by rebuilding the article table (batch mode), which drops
    its triggers and recreates its indexes in another order: put both back as they were."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TRIGGER IF NOT EXISTS article_search_delete AFTER DELETE ON article BEGIN"
        " DELETE FROM article_search WHERE rowid = old.id; END"
    )
    for name in LIST_INDEXES:
        op.drop_index(name, table_name="article")
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, "article", columns)


def upgrade():
    op.create_table(
        "sponsor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["sponsorship_inquiry.id"],
            name=op.f("fk_sponsor_inquiry_id_sponsorship_inquiry"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsor")),
        sa.UniqueConstraint("inquiry_id", name=op.f("uq_sponsor_inquiry_id")),
    )
    op.create_table(
        "correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["article.id"],
            name=op.f("fk_correction_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
            name=op.f("fk_correction_author_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction")),
    )
    op.create_index(op.f("ix_correction_article_id"), "correction", ["article_id"])
    op.create_index("ix_correction_created", "correction", ["created_at", "id"])
    with op.batch_alter_table("article") as batch:
        batch.add_column(sa.Column("sponsor_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_article_sponsor_id_sponsor"),
            "sponsor",
            ["sponsor_id"],
            ["id"],
            ondelete="SET NULL",
        )
    after_sqlite_rebuild()
    op.create_index(op.f("ix_article_sponsor_id"), "article", ["sponsor_id"])


def downgrade():
    op.drop_index(op.f("ix_article_sponsor_id"), table_name="article")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("article") as batch:
            batch.drop_column("sponsor_id")
        after_sqlite_rebuild()
    else:
        op.drop_constraint(op.f("fk_article_sponsor_id_sponsor"), "article", type_="foreignkey")
        op.drop_column("article", "sponsor_id")
    op.drop_index("ix_correction_created", table_name="correction")
    op.drop_index(op.f("ix_correction_article_id"), table_name="correction")
    op.drop_table("correction")
    op.drop_table("sponsor")
