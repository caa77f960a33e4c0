"""Full-text search index (FTS5 or tsvector + GIN) and keyset-friendly list indexes

Revision ID: 0003f
Revises: 0002

The list indexes gain `id` as their last column, so "newest first, then by id" pages
(keyset pagination on (published_at, id)) are read straight from an index on both
databases. The search index is filled from the articles already there.
"""

from alembic import op

revision = "0003f"
down_revision = "0002"
branch_labels = None
depends_on = None

LIST_INDEXES = {
    "ix_article_live": ["status", "published_at"],
    "ix_article_section_published": ["section_id", "published_at"],
    "ix_article_author_published": ["author_id", "published_at"],
}


def upgrade():
    with op.batch_alter_table("article") as batch_op:
        for name, columns in LIST_INDEXES.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, [*columns, "id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE search_document ("
            " article_id INTEGER NOT NULL,"
            " document TSVECTOR NOT NULL,"
            " CONSTRAINT pk_search_document PRIMARY KEY (article_id),"
            " CONSTRAINT fk_search_document_article_id_article FOREIGN KEY (article_id)"
            " REFERENCES article (id) ON DELETE CASCADE)"
        )
        op.execute(
            "CREATE INDEX ix_search_document_document ON search_document USING gin (document)"
        )
    else:
        # Accents are folded and words stemmed in Python before they get here; the
        # tokenizer folds whatever else (other scripts, stray diacritics).
        op.execute(
            "CREATE VIRTUAL TABLE article_search USING fts5("
            "headline, standfirst, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
        # Deleting an article by any path (ORM, bulk delete, cascade) empties its row.
        op.execute(
            "CREATE TRIGGER article_search_delete AFTER DELETE ON article BEGIN"
            " DELETE FROM article_search WHERE rowid = old.id; END"
        )

    from services import search  # the app's folding and stemming, so existing articles are found

    search.reindex_all(op.get_bind())


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE search_document")
    else:
        op.execute("DROP TRIGGER article_search_delete")
        op.execute("DROP TABLE article_search")
    with op.batch_alter_table("article") as batch_op:
        for name, columns in LIST_INDEXES.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False)
