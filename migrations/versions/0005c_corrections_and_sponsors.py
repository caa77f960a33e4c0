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
        batch.create_index(batch.f("ix_article_sponsor_id"), ["sponsor_id"])
        batch.create_foreign_key(
            batch.f("fk_article_sponsor_id_sponsor"),
            "sponsor",
            ["sponsor_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("article") as batch:
        batch.drop_constraint(batch.f("fk_article_sponsor_id_sponsor"), type_="foreignkey")
        batch.drop_index(batch.f("ix_article_sponsor_id"))
        batch.drop_column("sponsor_id")
    op.drop_index("ix_correction_created", table_name="correction")
    op.drop_index(op.f("ix_correction_article_id"), table_name="correction")
    op.drop_table("correction")
    op.drop_table("sponsor")
