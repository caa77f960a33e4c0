"""Merge the editing, search and sponsorship branches, built side by side from 0002

Revision ID: 0004
Revises: 0003e, 0003f, 0003s
"""

revision = "0004"
down_revision = ("0003e", "0003f", "0003s")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
