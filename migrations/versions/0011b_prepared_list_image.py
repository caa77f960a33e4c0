"""Prepared reader HTML: the social image tags a list page takes from its newest article

Revision ID: 0011b
Revises: 0011a

prepared_article.list_image_html: the og:image and twitter:image tags of a list page
whose newest article this is ("" when it has no image), so that a reader's list page
reads its teasers and this in its one query (services/prepared.teaser_page).

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
        batch.add_column(sa.Column("list_image_html", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("prepared_article") as batch:
        batch.drop_column("list_image_html")
