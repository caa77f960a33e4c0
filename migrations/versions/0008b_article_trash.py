"""The articles desk and the trash: Article.trashed_at and who trashed it

Revision ID: 0008b
Revises: 0007b

- trashed_at / trashed_by_id: an article in the trash leaves every reader page
  (Article.is_live) until it is restored or purged (`flask articles purge`).
- ix_article_live gains trashed_at as its last column, so the live lists still read
  everything they filter on from the index.
- ix_article_created: the desk lists articles newest first by (created_at, id).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008b"
down_revision = "0007b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("article") as batch_op:
        batch_op.add_column(sa.Column("trashed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("trashed_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_article_trashed_by_id_user"),
            "user",
            ["trashed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.drop_index("ix_article_live")
        batch_op.create_index(
            "ix_article_live", ["status", "published_at", "id", "trashed_at"], unique=False
        )
        batch_op.create_index("ix_article_created", ["created_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("article") as batch_op:
        batch_op.drop_index("ix_article_created")
        batch_op.drop_index("ix_article_live")
        batch_op.create_index("ix_article_live", ["status", "published_at", "id"], unique=False)
        batch_op.drop_constraint(op.f("fk_article_trashed_by_id_user"), type_="foreignkey")
        batch_op.drop_column("trashed_by_id")
        batch_op.drop_column("trashed_at")
