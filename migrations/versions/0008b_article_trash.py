"""The articles desk and the trash: Article.trashed_at and who trashed it

Revision ID: 0008b
Revises: 0007b

- trashed_at / trashed_by_id: an article in the trash leaves every reader page
  (Article.is_live) until it is restored or purged (`flask articles purge`).
- ix_article_created: the desk lists articles newest first by (created_at, id).

On SQLite the foreign key rebuilds the article table (batch mode), which drops the search
index's delete trigger and recreates the list indexes in another order: both are put back
as 0003f and 0005c left them (see 0005c's after_sqlite_rebuild).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008b"
down_revision = "0007b"
branch_labels = None
depends_on = None

# In the order 0003f created them: with no statistics, SQLite's planner breaks ties
# between equally good indexes by that order (tests/test_pagination.py).
LIST_INDEXES = {
    "ix_article_live": ["status", "published_at", "id"],
    "ix_article_section_published": ["section_id", "published_at", "id"],
    "ix_article_author_published": ["author_id", "published_at", "id"],
}


def after_sqlite_rebuild():
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
    with op.batch_alter_table("article") as batch_op:
        batch_op.add_column(sa.Column("trashed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("trashed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_article_trashed_by_id_user"),
            "user",
            ["trashed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    after_sqlite_rebuild()
    op.create_index("ix_article_created", "article", ["created_at", "id"])


def downgrade():
    op.drop_index("ix_article_created", table_name="article")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("article") as batch_op:
            batch_op.drop_column("trashed_by_id")
            batch_op.drop_column("trashed_at")
        after_sqlite_rebuild()
    else:
        op.drop_constraint(op.f("fk_article_trashed_by_id_user"), "article", type_="foreignkey")
        op.drop_column("article", "trashed_by_id")
        op.drop_column("article", "trashed_at")
