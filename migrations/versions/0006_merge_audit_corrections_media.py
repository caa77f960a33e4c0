"""Merge the audit, corrections/sponsors and media branches, built side by side from 0004

Revision ID: 0006
Revises: 0005a, 0005c, 0005i
"""

revision = "0006"
down_revision = ("0005a", "0005c", "0005i")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
