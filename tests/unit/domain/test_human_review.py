"""Real-time human review's pure rules: A2I names, activation conditions, and the output document and its key."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from shared.domain import human_review as hr
from shared.domain.errors import ValidationFailed


@pytest.mark.parametrize("name", ["a", "loop-1", "a--b", "0", "x" * 63, "my-flow-2024"])
def test_names_that_a2i_accepts_pass(name: str) -> None:
    assert hr.check_review_name(name, "human_loop_name") == name


@pytest.mark.parametrize("name", ["", "-a", "a-", "Loop", "a_b", "a b", "x" * 64, "a\n", "ü"])
def test_names_that_a2i_refuses_name_the_field(name: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        hr.check_review_name(name, "human_loop_name")
    assert raised.value.field == "human_loop_name"


def test_no_condition_means_every_loop_goes_to_people() -> None:
    assert hr.parse_condition(None) is None
    assert hr.needs_humans(None, "cat", 0.99, True)


def test_a_confidence_threshold_sends_only_unsure_predictions_to_people() -> None:
    condition = hr.parse_condition({"confidence_below": 0.8})
    assert hr.needs_humans(condition, "cat", 0.5, True)
    assert not hr.needs_humans(condition, "cat", 0.8, True)
    assert not hr.needs_humans(condition, "cat", 0.95, True)


def test_a_condition_that_cannot_be_judged_errs_toward_people() -> None:
    condition = hr.parse_condition({"confidence_below": 0.8})
    assert hr.needs_humans(condition, None, None, False)  # no prediction at all
    assert hr.needs_humans(condition, "cat", None, True)  # a prediction without a confidence


def test_predicted_in_and_the_way_clauses_combine() -> None:
    either = hr.parse_condition({"confidence_below": 0.8, "predicted_in": ["weapon"]})
    both = hr.parse_condition({"confidence_below": 0.8, "predicted_in": ["weapon"], "combine": "and"})
    assert hr.needs_humans(either, "weapon", 0.99, True)
    assert hr.needs_humans(either, "cat", 0.1, True)
    assert not hr.needs_humans(either, "cat", 0.99, True)
    assert hr.needs_humans(both, "weapon", 0.1, True)
    assert not hr.needs_humans(both, "weapon", 0.99, True)
    assert not hr.needs_humans(both, "cat", 0.1, True)


def test_a_parsed_condition_round_trips() -> None:
    condition = hr.parse_condition({"predicted_in": ["a", "b", "a"], "confidence_below": 1})
    assert condition is not None
    assert condition.as_dict() == {"confidence_below": 1.0, "predicted_in": ["a", "b"], "combine": "or"}
    assert hr.parse_condition(condition.as_dict()) == condition


@pytest.mark.parametrize(("raw", "field"), [
    ("low", "activation_conditions"),
    ({}, "activation_conditions"),
    ({"confidence_under": 0.5}, "activation_conditions.confidence_under"),
    ({"confidence_below": 0}, "activation_conditions.confidence_below"),
    ({"confidence_below": 1.5}, "activation_conditions.confidence_below"),
    ({"confidence_below": True}, "activation_conditions.confidence_below"),
    ({"confidence_below": "0.5"}, "activation_conditions.confidence_below"),
    ({"confidence_below": float("nan")}, "activation_conditions.confidence_below"),
    ({"predicted_in": []}, "activation_conditions.predicted_in"),
    ({"predicted_in": "cat"}, "activation_conditions.predicted_in"),
    ({"predicted_in": ["cat", ""]}, "activation_conditions.predicted_in"),
    ({"predicted_in": ["cat"], "combine": "xor"}, "activation_conditions.combine"),
])
def test_a_bad_condition_names_its_field(raw: Any, field: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        hr.parse_condition(raw)
    assert raised.value.field == field


def test_the_output_key_is_a2is_layout_from_the_loops_creation_time() -> None:
    key = hr.output_key("s3://bucket/a2i/", "my-flow", datetime(2024, 3, 5, 7, 8, 9, 123456), "loop-1")
    assert key == "s3://bucket/a2i/my-flow/2024/03/05/07/08/09/loop-1/output.json"


def test_the_output_document_lists_every_answer_in_a2is_shape_and_adds_the_consolidated_one() -> None:
    answers = [
        hr.HumanAnswer({"crowd-classifier": {"label": "cat"}}, datetime(2024, 1, 1, 0, 0, 0),
                       datetime(2024, 1, 1, 0, 0, 21, 570000), 7),
        hr.HumanAnswer({"crowd-classifier": {"label": "dog"}}, datetime(2024, 1, 1, 0, 0, 5),
                       datetime(2024, 1, 1, 0, 0, 9), 255),
    ]
    consolidated = hr.human_consolidated_answer("cat", 0.71, 2, "weighted_vote", {"class-name": "cat"})
    doc = hr.output_document("arn:aws:sagemaker:us-east-1:000000000000:flow-definition/f", "loop-1",
                             {"source": "hello"}, answers, consolidated, "groundwork")
    assert list(doc) == ["flowDefinitionArn", "humanLoopName", "inputContent", "humanAnswers",
                         "groundworkConsolidatedAnswer"]
    first = doc["humanAnswers"][0]
    assert set(first) == {"answerContent", "submissionTime", "acceptanceTime", "timeSpentInSeconds", "workerId",
                          "workerMetadata"}
    assert first["submissionTime"] == "2024-01-01T00:00:21.570Z"
    assert first["acceptanceTime"] == "2024-01-01T00:00:00.000Z"
    assert first["timeSpentInSeconds"] == 21.57
    assert first["workerId"] == "0000000000000007" and doc["humanAnswers"][1]["workerId"] == "00000000000000ff"
    assert first["workerMetadata"]["identityData"]["sub"] == "7"
    assert doc["groundworkConsolidatedAnswer"]["label"] == "cat"
    assert doc["groundworkConsolidatedAnswer"]["source"] == "humans"
    data = hr.output_bytes(doc)
    assert data == hr.output_bytes(json.loads(data))  # deterministic: a rewrite has the same bytes


def test_a_loop_without_people_answers_with_the_models_prediction() -> None:
    doc = hr.output_document("arn", "l", {"source": "x"}, [], hr.model_answer("cat", 0.97), "groundwork")
    assert doc["humanAnswers"] == []
    assert doc["groundworkConsolidatedAnswer"] == {"label": "cat", "confidence": 0.97, "source": "model"}


def test_arns_follow_sagemakers_layout() -> None:
    assert hr.flow_definition_arn("eu-west-1", "123456789012", "f") == \
        "arn:aws:sagemaker:eu-west-1:123456789012:flow-definition/f"
    assert hr.human_loop_arn("eu-west-1", "123456789012", "l") == \
        "arn:aws:sagemaker:eu-west-1:123456789012:human-loop/l"
