"""Automated data labeling: active-learning rounds with a stated accuracy guarantee

`job.auto_labeling_json` holds the job's automated-labeling settings (target accuracy, confidence of the bound,
audit rate, validation share, acquisition strategy, batch sizes, stopping conditions, initial model); NULL means a
plain human job. `job.final_model_uri` is the last round's model checkpoint in the blob store, which can seed the
next job.

An automated-labeling job's objects wait in state 'pool' until a training round either machine-labels them or
sends them to people (state 'queued', then the usual release to 'open'). `data_object.al_round` is the round that
sent an object to people (0: the first, random batch) and `data_object.al_split` why: 'train' (chosen as the
least certain), 'validation' (chosen uniformly at random from the pool, held out from training to set the
threshold; 'retired' once a later round's model would have machine-labeled it, so validation keeps describing the
pool that is left), or 'audit' (a random machine label checked by people). `data_object.machine_label_json` is set
on an audited object: the label the model gave it, kept so the human answer measures the model.

`training_round` is one row per round, claimed by the trainer (state pending -> running -> done, or failed): the
threshold plan, the counts and the compute seconds it used, so a repeated or late `gw.train_round` message finds
the round done and does nothing.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("auto_labeling_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("final_model_uri", sa.Text(), nullable=True))
    with op.batch_alter_table("data_object") as batch:
        batch.add_column(sa.Column("al_round", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("al_split", sa.String(16), nullable=True))
        batch.add_column(sa.Column("machine_label_json", sa.Text(), nullable=True))
    op.create_table(
        "training_round",
        sa.Column("job_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.ForeignKey("job.id"),
                  nullable=False),
        sa.Column("round_no", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("device", sa.String(32), nullable=True),
        sa.Column("compute_seconds", sa.Float(), nullable=True),
        sa.Column("train_items", sa.Integer(), nullable=True),
        sa.Column("validation_items", sa.Integer(), nullable=True),
        sa.Column("validation_accuracy", sa.Float(), nullable=True),
        sa.Column("machine_labeled", sa.Integer(), nullable=True),
        sa.Column("sent_to_humans", sa.Integer(), nullable=True),
        sa.Column("audit_sent", sa.Integer(), nullable=True),
        sa.Column("model_uri", sa.Text(), nullable=True),
        sa.Column("plan_json", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("job_id", "round_no", name="pk_training_round"),
    )


def downgrade() -> None:
    op.drop_table("training_round")
    with op.batch_alter_table("data_object") as batch:
        batch.drop_column("machine_label_json")
        batch.drop_column("al_split")
        batch.drop_column("al_round")
    with op.batch_alter_table("job") as batch:
        batch.drop_column("final_model_uri")
        batch.drop_column("auto_labeling_json")
