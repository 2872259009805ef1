"""Serve path: indexes for the claim and the sweep, and room for in-place updates on PostgreSQL

Without the first, the claim walks the (job_id, line_no) index past every answered and labeled object, so a
claim got slower as a job progressed. The second replaces a (state, expires_at) index that the planner, on
fresh statistics, preferred to the primary key for a submit's lookup, scanning every live lease.

On PostgreSQL, data_object keeps 20% of each page free: a claim or submit updates `remaining` and
`answers_count`, which no index covers, so the new row version stays on its page (a HOT update) and adds no
index entries for the next claim to walk past. Both hot tables are vacuumed and analyzed after 2% of their
rows change, not PostgreSQL's default 20%, so plans follow a job that grows by thousands of rows a minute.

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
    op.drop_index("ix_assignment_open_leases", table_name="assignment")
    op.create_index("ix_assignment_live_leases", "assignment", ["expires_at"],
                    postgresql_where=sa.text("state = 'leased'"), sqlite_where=sa.text("state = 'leased'"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE data_object SET (fillfactor = 80, autovacuum_vacuum_scale_factor = 0.02, "
                   "autovacuum_analyze_scale_factor = 0.02)")
        op.execute("ALTER TABLE assignment SET (autovacuum_vacuum_scale_factor = 0.02, "
                   "autovacuum_analyze_scale_factor = 0.02)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE data_object RESET (fillfactor, autovacuum_vacuum_scale_factor, "
                   "autovacuum_analyze_scale_factor)")
        op.execute("ALTER TABLE assignment RESET (autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor)")
    op.drop_index("ix_assignment_live_leases", table_name="assignment")
    op.create_index("ix_assignment_open_leases", "assignment", ["state", "expires_at"])
    op.drop_index("ix_data_object_open", table_name="data_object")
