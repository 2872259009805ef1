"""The SageMaker front door (boto3 drop-in)

`access_key`: requesters' AWS-style access key pairs; the secret is stored encrypted with the server key.
`human_task_ui`: named worker task templates (CreateHumanTaskUi). `lambda_function`: a requester's hooks
registered under Lambda function names, so jobs naming those Lambda ARNs run them.
`sagemaker_json` on job, workteam, workforce and flow_definition keeps the SageMaker request as given (the
Describe operations echo it); workteams and workforces gain `updated_at` and `deleted_at`. `labeler.groups_json`
holds a labeler's identity-provider groups, and `workteam_member.via_groups` marks a membership that comes from
them (a team's member definitions naming one of the groups) rather than from the requester.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "access_key",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("requester_id", _ID, sa.ForeignKey("requester.id", name="fk_access_key_requester_id_requester"),
                  nullable=False),
        sa.Column("access_key_id", sa.String(32), nullable=False),
        sa.Column("secret_ciphertext", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("access_key_id", name="uq_access_key_access_key_id"),
    )
    op.create_index("ix_access_key_requester_id", "access_key", ["requester_id"])
    op.create_table(
        "human_task_ui",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("requester_id", _ID,
                  sa.ForeignKey("requester.id", name="fk_human_task_ui_requester_id_requester"), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("tags_json", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("requester_id", "name", name="uq_human_task_ui_requester_id"),
    )
    op.create_table(
        "lambda_function",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("requester_id", _ID,
                  sa.ForeignKey("requester.id", name="fk_lambda_function_requester_id_requester"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("hook", sa.Text(), nullable=False),
        sa.Column("task_type", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("requester_id", "name", name="uq_lambda_function_requester_id"),
    )
    for table in ("job", "flow_definition"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("sagemaker_json", sa.Text(), nullable=True))
    for table in ("workteam", "workforce"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("sagemaker_json", sa.Text(), nullable=True))
            batch.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
            batch.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("labeler") as batch:
        batch.add_column(sa.Column("groups_json", sa.Text(), nullable=True))
    with op.batch_alter_table("workteam_member") as batch:
        batch.add_column(sa.Column("via_groups", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("workteam_member") as batch:
        batch.drop_column("via_groups")
    with op.batch_alter_table("labeler") as batch:
        batch.drop_column("groups_json")
    for table in ("workforce", "workteam"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("deleted_at")
            batch.drop_column("updated_at")
            batch.drop_column("sagemaker_json")
    for table in ("flow_definition", "job"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("sagemaker_json")
    op.drop_table("lambda_function")
    op.drop_table("human_task_ui")
    op.drop_index("ix_access_key_requester_id", table_name="access_key")
    op.drop_table("access_key")
