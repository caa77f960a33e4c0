"""Prepared reader HTML for lists: the front page's story, a list's social image tags

Revision ID: 0011b
Revises: 0011a

prepared_article.front_latest_html: the article's story in the front page's latest
list (an <li>); prepared_article.list_image_html: the og:image and twitter:image tags
of a list page whose newest article this is ("" when it has no image). A reader's list
page reads its teasers and these in its one query (services/prepared.teaser_page).

Existing rows are stale anyway (the templates changed, so did the code stamp): each is
prepared again on its next read.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011b"
down_revision = "0011a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("prepared_article") as batch:
        batch.add_column(
            sa.Column("front_latest_html", sa.Text(), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("list_image_html", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("prepared_article") as batch:
        batch.drop_column("list_image_html")
        batch.drop_column("front_latest_html")
