"""LoginThrottle.notified_at: the owner of an account is told of repeated failed logins once

Revision ID: 0007c
Revises: 0007a
"""

import sqlalchemy as sa
from alembic import op

revision = "0007c"
down_revision = "0007a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("login_throttle") as batch_op:
        batch_op.add_column(sa.Column("notified_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("login_throttle") as batch_op:
        batch_op.drop_column("notified_at")
