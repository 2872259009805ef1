"""Real-time human review (Augmented AI): flow definitions and human loops

`job.standing` marks a flow definition's labeling job: it takes objects as human loops arrive and the sweep never
completes it (only deleting the flow stops it).

`flow_definition` is one row per flow: its standing job (which holds the task type, labels, workteam, TaskCount,
price and time limits), the activation condition as JSON (NULL: every loop goes to people), the output path and an
optional custom task template. `human_loop` is one row per loop: its status (A2I's InProgress, Completed, Stopping,
Stopped, Failed), the input and the model's prediction, the data object it became in the standing job (NULL when
the activation condition did not hold), and the output.json key, fixed when the loop starts.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("standing", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "flow_definition",
        sa.Column("id", big, nullable=False),
        sa.Column("requester_id", big, sa.ForeignKey("requester.id", name="fk_flow_definition_requester_id_requester"),
                  nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("job_id", big, sa.ForeignKey("job.id", name="fk_flow_definition_job_id_job"), nullable=False),
        sa.Column("activation_json", sa.Text(), nullable=True),
        sa.Column("output_path", sa.Text(), nullable=False),
        sa.Column("ui_template", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_flow_definition"),
        sa.UniqueConstraint("requester_id", "name", name="uq_flow_definition_requester_id"),
    )
    op.create_index("ix_flow_definition_job_id", "flow_definition", ["job_id"])
    op.create_table(
        "human_loop",
        sa.Column("id", big, nullable=False),
        sa.Column("requester_id", big, sa.ForeignKey("requester.id", name="fk_human_loop_requester_id_requester"),
                  nullable=False),
        sa.Column("flow_id", big, sa.ForeignKey("flow_definition.id", name="fk_human_loop_flow_id_flow_definition"),
                  nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("activated", sa.Boolean(), nullable=False),
        sa.Column("input_json", sa.Text(), nullable=False),
        sa.Column("prediction_json", sa.Text(), nullable=True),
        sa.Column("object_id", big, sa.ForeignKey("data_object.id", name="fk_human_loop_object_id_data_object"),
                  nullable=True),
        sa.Column("output_uri", sa.Text(), nullable=False),
        sa.Column("failure_code", sa.String(32), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_human_loop"),
        sa.UniqueConstraint("requester_id", "name", name="uq_human_loop_requester_id"),
    )
    op.create_index("ix_human_loop_flow", "human_loop", ["flow_id", "id"])
    op.create_index("ix_human_loop_status", "human_loop", ["status"])


def downgrade() -> None:
    op.drop_index("ix_human_loop_status", table_name="human_loop")
    op.drop_index("ix_human_loop_flow", table_name="human_loop")
    op.drop_table("human_loop")
    op.drop_index("ix_flow_definition_job_id", table_name="flow_definition")
    op.drop_table("flow_definition")
    with op.batch_alter_table("job") as batch:
        batch.drop_column("standing")
