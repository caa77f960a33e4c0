"""Search that folds like a reader: Snowball terms in both indexes, a folded inbox column

Revision ID: 0007a
Revises: 0006

- The article index is rebuilt: its terms are now Snowball French stems of folded text
  (services.search.search_terms), and PostgreSQL stores them with the `simple`
  configuration instead of stemming again with `french`. Without the rebuild, articles
  stored before this revision would not be found by the new queries.
- sponsorship_inquiry.search_text: name, organisation, address and message folded
  (models.sponsorship.inquiry_search_text), filled here for the inquiries already there.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007a"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade():
    with op.batch_alter_table("sponsorship_inquiry") as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))

    # The app's own fold and stemmer, so that what is stored is what it searches for.
    from models.sponsorship import inquiry_search_text
    from services import search

    connection = op.get_bind()
    inquiries = sa.table(
        "sponsorship_inquiry",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("organisation", sa.String),
        sa.column("email", sa.String),
        sa.column("message", sa.Text),
        sa.column("search_text", sa.Text),
    )
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(inquiries)
            .where(inquiries.c.id > last_id)
            .order_by(inquiries.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            inquiries.update()
            .where(inquiries.c.id == sa.bindparam("row_id"))
            .values(search_text=sa.bindparam("folded")),
            [
                {
                    "row_id": row.id,
                    "folded": inquiry_search_text(
                        row.name, row.organisation, row.email, row.message
                    ),
                }
                for row in rows
            ],
        )
        last_id = rows[-1].id

    search.reindex_all(connection)


def downgrade():
    with op.batch_alter_table("sponsorship_inquiry") as batch_op:
        batch_op.drop_column("search_text")
    # The article index keeps this revision's terms: after downgrading, rebuild it with
    # the previous code's services.search.reindex_all, which stems the old way.
