"""Prepared text for search snippets, and the front page's stories

Revision ID: 0011c
Revises: 0011b

prepared_article.search_text: the article's body as plain text, one block a line, from
which search results cut their snippet; front_lead_html, front_featured_html and
front_block_html: the article as the front page's lead, featured and section-block story
(services/prepared.py). Existing rows are stale (the code stamp changed): each is
prepared again on its next read.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011c"
down_revision = "0011b"
branch_labels = None
depends_on = None

COLUMNS = ("search_text", "front_lead_html", "front_featured_html", "front_block_html")


def upgrade():
    with op.batch_alter_table("prepared_article") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("prepared_article") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
