"""Every built-in task type, labelers' skills kept across batches and jobs, gold items, dynamic overlap, hooks

A consolidated label is no longer only a class: `value_json` holds the label attribute's value exactly as the
output manifest writes it (a class index, a list, boxes, a mask URI, entities) and `meta_json` the type's own
metadata keys (class-map, objects, entities, internal-color-map, ...); class_index and class_name stay for the
classification types, which the trainer and the console query.

`job.label_config_json` keeps the whole label category configuration (short display names for entities,
instructions with examples); `job.prior_attribute` names the label attribute a verification or adjustment job
reads from each input line; `job.consolidator` is the algorithm the requester chose.

`labeler_skill` is one row per labeler and label family: an accuracy with the evidence behind it and, for
classification, the confusion matrix over the label list it was learned on. Consolidation seeds each batch's
estimates from it and writes the new estimates back.

Gold items are data objects in state 'gold' with negative line numbers (outside the dataset, so counters and the
output never see them) and their known answer in `gold_json`. `gold_score` holds one score per answered gold
task, keyed by the assignment so a repeated scoring changes nothing; `labeler_removal` records a labeler taken off
a job for falling below its gold bar, with the reason the requester sees.

Dynamic overlap: `job.min_workers` and `job.target_confidence`; `job.workers_per_object` stays the maximum.
Hooks: `job.pre_hook` and `job.post_hook` name a Python entry point or an HTTP endpoint; a pre-annotation hook's
`taskInput` is kept per object in `data_object.task_input_json`.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("label_config_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("prior_attribute", sa.String(127), nullable=True))
        batch.add_column(sa.Column("consolidator", sa.String(32), nullable=False, server_default="default"))
        batch.add_column(sa.Column("gold_rate", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("gold_min_accuracy", sa.Float(), nullable=True))
        batch.add_column(sa.Column("gold_min_answers", sa.Integer(), nullable=False, server_default="3"))
        batch.add_column(sa.Column("min_workers", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("target_confidence", sa.Float(), nullable=True))
        batch.add_column(sa.Column("pre_hook", sa.Text(), nullable=True))
        batch.add_column(sa.Column("post_hook", sa.Text(), nullable=True))
    with op.batch_alter_table("data_object") as batch:
        batch.add_column(sa.Column("gold_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("task_input_json", sa.Text(), nullable=True))
    with op.batch_alter_table("consolidated_label") as batch:
        batch.alter_column("class_index", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("class_name", existing_type=sa.Text(), nullable=True)
        batch.add_column(sa.Column("value_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("meta_json", sa.Text(), nullable=True))
    op.create_table(
        "labeler_skill",
        sa.Column("labeler_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  sa.ForeignKey("labeler.id", name="fk_labeler_skill_labeler_id_labeler"), nullable=False),
        sa.Column("family", sa.String(16), nullable=False),
        sa.Column("accuracy", sa.Float(), nullable=False),
        sa.Column("evidence", sa.Float(), nullable=False),
        sa.Column("labels_key", sa.String(64), nullable=True),
        sa.Column("confusion_json", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("labeler_id", "family", name="pk_labeler_skill"),
    )
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "gold_score",
        sa.Column("assignment_id", big, sa.ForeignKey("assignment.id", name="fk_gold_score_assignment_id_assignment"),
                  nullable=False),
        sa.Column("job_id", big, sa.ForeignKey("job.id", name="fk_gold_score_job_id_job"), nullable=False),
        sa.Column("labeler_id", big, sa.ForeignKey("labeler.id", name="fk_gold_score_labeler_id_labeler"),
                  nullable=False),
        sa.Column("object_id", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", name="pk_gold_score"),
    )
    op.create_index("ix_gold_score_job_id", "gold_score", ["job_id", "labeler_id"])
    op.create_table(
        "labeler_removal",
        sa.Column("job_id", big, sa.ForeignKey("job.id", name="fk_labeler_removal_job_id_job"), nullable=False),
        sa.Column("labeler_id", big, sa.ForeignKey("labeler.id", name="fk_labeler_removal_labeler_id_labeler"),
                  nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("gold_accuracy", sa.Float(), nullable=False),
        sa.Column("gold_answers", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "labeler_id", name="pk_labeler_removal"),
    )


def downgrade() -> None:
    op.drop_table("labeler_removal")
    op.drop_index("ix_gold_score_job_id", table_name="gold_score")
    op.drop_table("gold_score")
    with op.batch_alter_table("data_object") as batch:
        batch.drop_column("task_input_json")
        batch.drop_column("gold_json")
    op.drop_table("labeler_skill")
    with op.batch_alter_table("consolidated_label") as batch:
        batch.drop_column("meta_json")
        batch.drop_column("value_json")
        batch.alter_column("class_name", existing_type=sa.Text(), nullable=False)
        batch.alter_column("class_index", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("job") as batch:
        for column in ("post_hook", "pre_hook", "target_confidence", "min_workers", "gold_min_answers",
                       "gold_min_accuracy", "gold_rate"):
            batch.drop_column(column)
        batch.drop_column("consolidator")
        batch.drop_column("prior_attribute")
        batch.drop_column("label_config_json")
