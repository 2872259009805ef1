"""The worker portal and the requester console

`job.ui_template` is a custom Liquid task template (Ground Truth's custom jobs); NULL uses the built-in template
of the job's task type. `job.examples_json` holds the instructions' good and bad examples.

`workforce.vendor_key_digest` is the digest of a vendor workforce's credential: the vendor's labelers sign in with
it. `workforce.qualification_json` is a public workforce's qualification (gold items a new labeler must answer
well before receiving paid tasks). `labeler.qualified_at` records when a labeler passed it, and
`labeler.qualification_attempts` how many tries they used.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("ui_template", sa.Text(), nullable=True))
        batch.add_column(sa.Column("examples_json", sa.Text(), nullable=True))
    with op.batch_alter_table("workforce") as batch:
        batch.add_column(sa.Column("vendor_key_digest", sa.String(64), nullable=True))
        batch.add_column(sa.Column("qualification_json", sa.Text(), nullable=True))
        batch.create_unique_constraint("uq_workforce_vendor_key_digest", ["vendor_key_digest"])
    with op.batch_alter_table("labeler") as batch:
        batch.add_column(sa.Column("qualified_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("qualification_attempts", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("labeler") as batch:
        batch.drop_column("qualification_attempts")
        batch.drop_column("qualified_at")
    with op.batch_alter_table("workforce") as batch:
        batch.drop_constraint("uq_workforce_vendor_key_digest", type_="unique")
        batch.drop_column("qualification_json")
        batch.drop_column("vendor_key_digest")
    with op.batch_alter_table("job") as batch:
        batch.drop_column("examples_json")
        batch.drop_column("ui_template")
