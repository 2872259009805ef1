"""A partial index over open objects for the claim query

Without it the claim walks the (job_id, line_no) index past every answered and labeled object, so a claim got
slower as a job progressed.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_data_object_open", "data_object", ["job_id", "line_no"],
                    postgresql_where=sa.text("state = 'open'"), sqlite_where=sa.text("state = 'open'"))


def downgrade() -> None:
    op.drop_index("ix_data_object_open", table_name="data_object")
