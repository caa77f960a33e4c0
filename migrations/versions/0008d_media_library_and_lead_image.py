"""Media library (words, focal point, crops), where each image is used, lead images

Media gets the library's alt text, caption and credit (and their folded search text), a
focal point (0..1, centre by default) and its crops. MediaUse says which article uses
which image, as lead image or in an image block: filled here from the image blocks that
exist already, so that an image in use is never taken for an unused one. Article gets its
lead image and that use's own alt text, caption and credit.

On SQLite the lead image's foreign key rebuilds the article table (batch mode), which
drops the search index's delete trigger and recreates the list indexes in another order:
both are put back as 0008b left them (see its after_sqlite_rebuild).

Revision ID: 0008d
Revises: 0008c
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0008d"
down_revision = "0008c"
branch_labels = None
depends_on = None

# In the order 0003f, then 0008b, created them: with no statistics, SQLite's planner breaks
# ties between equally good indexes by that order (tests/test_pagination.py).
ARTICLE_INDEXES = {
    "ix_article_live": ["status", "published_at", "id"],
    "ix_article_section_published": ["section_id", "published_at", "id"],
    "ix_article_author_published": ["author_id", "published_at", "id"],
    "ix_article_created": ["created_at", "id"],
}


def after_sqlite_rebuild():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TRIGGER IF NOT EXISTS article_search_delete AFTER DELETE ON article BEGIN"
        " DELETE FROM article_search WHERE rowid = old.id; END"
    )
    for name in ARTICLE_INDEXES:
        op.drop_index(name, table_name="article")
    for name, columns in ARTICLE_INDEXES.items():
        op.create_index(name, "article", columns)


def upgrade():
    with op.batch_alter_table("media") as batch_op:
        batch_op.add_column(sa.Column("alt", sa.String(length=400), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("caption", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("credit", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("focal_x", sa.Float(), nullable=False, server_default="0.5"))
        batch_op.add_column(sa.Column("focal_y", sa.Float(), nullable=False, server_default="0.5"))
        batch_op.add_column(sa.Column("crops", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("article") as batch_op:
        batch_op.add_column(sa.Column("lead_media_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("lead_alt", sa.String(length=400), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("lead_caption", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("lead_credit", sa.String(length=200), nullable=False, server_default=""))
        batch_op.create_foreign_key(
            op.f("fk_article_lead_media_id_media"), "media", ["lead_media_id"], ["id"],
            ondelete="SET NULL",
        )
    after_sqlite_rebuild()
    op.create_table(
        "media_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("block_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"], name=op.f("fk_media_use_article_id_article"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_media_use_media_id_media"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_use")),
    )
    op.create_index("ix_media_use_media", "media_use", ["media_id", "article_id"])
    op.create_index("ix_media_use_article", "media_use", ["article_id"])
    backfill_block_uses()


def backfill_block_uses():
    """A MediaUse row for each image block that names a stored image."""
    connection = op.get_bind()
    media_ids = dict(connection.execute(sa.text("SELECT token, id FROM media")).all())
    if not media_ids:
        return
    rows = []
    blocks = connection.execute(
        sa.text("SELECT id, article_id, data FROM block WHERE kind = 'image'")
    ).all()
    for block_id, article_id, data in blocks:
        data = json.loads(data) if isinstance(data, str) else (data or {})
        media_id = media_ids.get((data or {}).get("media"))
        if media_id is not None:
            rows.append({"a": article_id, "m": media_id, "b": block_id})
    if rows:
        connection.execute(
            sa.text(
                "INSERT INTO media_use (article_id, media_id, role, block_id) "
                "VALUES (:a, :m, 'block', :b)"
            ),
            rows,
        )


def downgrade():
    op.drop_index("ix_media_use_article", table_name="media_use")
    op.drop_index("ix_media_use_media", table_name="media_use")
    op.drop_table("media_use")
    with op.batch_alter_table("article") as batch_op:
        batch_op.drop_constraint(op.f("fk_article_lead_media_id_media"), type_="foreignkey")
        batch_op.drop_column("lead_credit")
        batch_op.drop_column("lead_caption")
        batch_op.drop_column("lead_alt")
        batch_op.drop_column("lead_media_id")
    after_sqlite_rebuild()
    with op.batch_alter_table("media") as batch_op:
        for column in ("crops", "focal_y", "focal_x", "search_text", "credit", "caption", "alt"):
            batch_op.drop_column(column)
