"""Which task type a CreateLabelingJob request labels: Ground Truth's built-in Lambda ARNs in every region name the
built-in type; otherwise the template's labeling element, or the registered Lambda function's type."""

from __future__ import annotations

import pytest

from services.api.sagemaker.errors import AwsError
from services.api.sagemaker.labeling_jobs import task_type_for
from shared.domain.hooks import BUILTIN_LAMBDA_ACCOUNTS, builtin_for_lambda_arn
from shared.domain.task_types import TaskType, spec_for


@pytest.mark.parametrize("region, account", sorted(BUILTIN_LAMBDA_ACCOUNTS.items()))
@pytest.mark.parametrize("task_type", list(TaskType))
def test_every_regions_builtin_lambdas_name_the_builtin_type(region: str, account: str, task_type: TaskType) -> None:
    suffix = spec_for(task_type).lambda_suffix
    for prefix in ("PRE", "ACS"):
        found = builtin_for_lambda_arn(f"arn:aws:lambda:{region}:{account}:function:{prefix}-{suffix}")
        assert task_type_for([found], None, None, []) == task_type


def test_the_pre_lambda_wins_over_the_template_and_passthrough_defers_to_it() -> None:
    boxes = "<crowd-bounding-box name='b' labels=\"['a']\"></crowd-bounding-box>"
    assert task_type_for(["TextMultiClass"], boxes, None, []) == TaskType.TEXT_CLASSIFICATION
    assert task_type_for(["PassThrough"], boxes, None, []) == TaskType.BOUNDING_BOX
    assert task_type_for([None, None], None, None, [None, "named-entity-recognition"]) == \
        TaskType.NAMED_ENTITY_RECOGNITION


@pytest.mark.parametrize("suffixes, template", [
    (["VideoObjectTracking"], None),  # a built-in Groundwork does not label
    ([None], "<crowd-form><crowd-input name='x'></crowd-input></crowd-form>"),  # nothing says what it labels
])
def test_what_cannot_be_labeled_is_a_validation_error(suffixes: list[str | None], template: str | None) -> None:
    with pytest.raises(AwsError) as exc:
        task_type_for(suffixes, template, None, [])
    assert exc.value.code == "ValidationException"
