"""Hook events and responses in Ground Truth's Lambda shapes (doc §5.2, §5.3), hook references, ARNs and paths."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from shared.domain.errors import ValidationFailed
from shared.domain.hooks import (
    ConsolidatedContent,
    HookError,
    HookLayout,
    PreAnnotation,
    builtin_for_lambda_arn,
    consolidation_event,
    consolidation_payload,
    labeling_job_arn,
    parse_consolidation_response,
    parse_hook_ref,
    parse_pre_annotation_response,
    payload_data_object,
    pre_annotation_event,
)
from shared.domain.output import JobLayout

ARN = "arn:aws:sagemaker:us-east-1:123456789012:labeling-job/pets-v1"

# -- hook references ----------------------------------------------------------------------------------------------


def test_a_python_hook_names_its_module_and_function() -> None:
    ref = parse_hook_ref("python:acme.hooks.gt:consolidate")
    assert (ref.kind, ref.module, ref.function, ref.url) == ("python", "acme.hooks.gt", "consolidate", "")
    assert str(ref) == "python:acme.hooks.gt:consolidate"


@pytest.mark.parametrize("url", ["http://hooks.internal:8080/acs", "https://example.com/pre?x=1",
                                 "http://127.0.0.1/"])
def test_an_http_hook_keeps_its_url(url: str) -> None:
    ref = parse_hook_ref(url)
    assert (ref.kind, ref.url, ref.module) == ("http", url, "")


@pytest.mark.parametrize("ref", [
    "", "   ", "python:", "python:mod", "python:mod:", "python::fn", "python:1mod:fn", "python:a..b:fn",
    "python:a.b:fn:extra", "python:a-b:fn", "ftp://host/x", "file:///etc/passwd", "http://", "https:///path",
    "http://host/ space", "http://user:pw@host/", "http://host:99999/", "mod:fn",
    "arn:aws:lambda:us-east-1:123456789012:function:mine", "x" * 3000,
])
def test_anything_else_is_refused_naming_the_callers_field(ref: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_hook_ref(ref, field="pre_human_task_lambda_arn")
    assert info.value.field == "pre_human_task_lambda_arn" and info.value.status == 422


def test_the_default_field_is_hook() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_hook_ref("nope")
    assert info.value.field == "hook"


# -- ARNs ---------------------------------------------------------------------------------------------------------


def test_a_labeling_job_arn_lower_cases_the_name() -> None:
    assert labeling_job_arn("eu-west-1", "123456789012", "Pets-V1") == (
        "arn:aws:sagemaker:eu-west-1:123456789012:labeling-job/pets-v1")


@pytest.mark.parametrize(("arn", "suffix"), [
    ("arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox", "BoundingBox"),
    ("arn:aws:lambda:us-east-1:432418664414:function:ACS-ImageMultiClass", "ImageMultiClass"),
    ("arn:aws:lambda:eu-west-1:568282634449:function:ACS-PassThrough", "PassThrough"),
    ("arn:aws:lambda:ap-southeast-2:454466003867:function:PRE-3DPointCloudObjectTracking",
     "3DPointCloudObjectTracking"),
    # A region the doc's table lacks: any account, but only a known suffix.
    ("arn:aws:lambda:eu-north-1:111122223333:function:ACS-TextMultiClass", "TextMultiClass"),
])
def test_a_builtin_lambda_arn_gives_its_suffix(arn: str, suffix: str) -> None:
    assert builtin_for_lambda_arn(arn) == suffix


@pytest.mark.parametrize("arn", [
    "arn:aws:lambda:us-east-1:123456789012:function:PRE-BoundingBox",  # the requester's own account
    "arn:aws:lambda:us-east-1:432418664414:function:MyFunction",
    "arn:aws:lambda:us-east-1:432418664414:function:PRE-",
    "arn:aws:lambda:us-east-1:432418664414:function:PRE-BoundingBox:alias",
    "arn:aws:lambda:eu-north-1:111122223333:function:ACS-Homemade",
    "arn:aws:sagemaker:us-east-1:432418664414:labeling-job/x",
    "python:shared.hook_examples:pre_passthrough",
    "",
])
def test_other_arns_are_not_builtins(arn: str) -> None:
    assert builtin_for_lambda_arn(arn) is None


# -- pre-annotation -----------------------------------------------------------------------------------------------


def test_the_pre_annotation_event_carries_the_whole_line() -> None:
    line = {"source-ref": "s3://bucket/imgs/0004.jpg", "batch": "A"}
    event = pre_annotation_event(ARN, line)
    assert event == {"version": "2018-10-16", "labelingJobArn": ARN, "dataObject": line}
    assert event["dataObject"] is not line


@pytest.mark.parametrize(("resp", "human"), [
    ({"taskInput": {"taskObject": "s3://b/x.jpg"}}, True),
    ({"taskInput": {}, "isHumanAnnotationRequired": True}, True),
    ({"taskInput": {}, "isHumanAnnotationRequired": False}, False),
    ({"taskInput": {}, "isHumanAnnotationRequired": "false"}, False),
    ({"taskInput": {}, "isHumanAnnotationRequired": " TRUE "}, True),
    ({"taskInput": {}, "humanAnnotationRequired": "false"}, False),
    ({"taskInput": {}, "humanAnnotationRequired": "true", "isHumanAnnotationRequired": True}, True),
    ({"taskInput": {}, "isHumanAnnotationRequired": None}, True),
])
def test_the_pre_annotation_flag_takes_both_spellings_and_types(resp: dict[str, Any], human: bool) -> None:
    assert parse_pre_annotation_response(resp) == PreAnnotation(task_input=resp["taskInput"], human_required=human)


@pytest.mark.parametrize(("resp", "message"), [
    ([], "must be a JSON object, got a list"),
    ({"isHumanAnnotationRequired": True}, "no 'taskInput'"),
    ({"taskInput": "s3://b/x.jpg"}, "'taskInput' must be a JSON object, got a string"),
    ({"taskInput": {}, "isHumanAnnotationRequired": "yes"}, "'isHumanAnnotationRequired' must be true or false"),
    ({"taskInput": {}, "isHumanAnnotationRequired": 1}, "must be true or false"),
    ({"taskInput": {}, "humanAnnotationRequired": "false", "isHumanAnnotationRequired": True}, "disagree"),
])
def test_a_bad_pre_annotation_response_says_what_is_wrong(resp: Any, message: str) -> None:
    with pytest.raises(HookError, match=message):
        parse_pre_annotation_response(resp)


# -- consolidation ------------------------------------------------------------------------------------------------


def test_the_consolidation_event_matches_the_docs_example() -> None:
    uri = ("s3://out/pets-v1/annotations/consolidated-annotation/consolidation-request/iteration-1/"
           "2024-05-02_10:11:12.json")
    event = consolidation_event(ARN, ["cat", "dog"], "animal", "arn:aws:iam::123456789012:role/gt", uri)
    assert json.dumps(event) == json.dumps({
        "version": "2018-10-16", "labelingJobArn": ARN, "labelCategories": ["cat", "dog"],
        "labelAttributeName": "animal", "roleArn": "arn:aws:iam::123456789012:role/gt",
        "payload": {"s3Uri": uri}})


def test_the_consolidation_event_leaves_out_label_categories_when_there_are_none() -> None:
    event = consolidation_event(ARN, None, "animal", "role", "s3://x/y.json")
    assert "labelCategories" not in event and event["payload"] == {"s3Uri": "s3://x/y.json"}


def test_the_payload_matches_the_docs_example_with_content_as_a_json_string() -> None:
    cat = json.dumps({"crowd-image-classifier": {"label": "cat"}})
    dog = json.dumps({"crowd-image-classifier": {"label": "dog"}})
    payload = consolidation_payload([
        ("4", {"source-ref": "s3://bucket/imgs/0004.jpg", "batch": "A"},
         [("private.us-east-1.0a1b2c3d4e5f6789", cat), ("private.us-east-1.9f8e7d6c5b4a3210", dog)]),
        ("5", {"source": "The delivery arrived two days late."}, []),
    ])
    assert payload == [
        {"datasetObjectId": "4", "dataObject": {"s3Uri": "s3://bucket/imgs/0004.jpg"}, "annotations": [
            {"workerId": "private.us-east-1.0a1b2c3d4e5f6789",
             "annotationData": {"content": "{\"crowd-image-classifier\": {\"label\": \"cat\"}}"}},
            {"workerId": "private.us-east-1.9f8e7d6c5b4a3210",
             "annotationData": {"content": "{\"crowd-image-classifier\": {\"label\": \"dog\"}}"}}]},
        {"datasetObjectId": "5", "dataObject": {"content": "The delivery arrived two days late."},
         "annotations": []},
    ]


@pytest.mark.parametrize(("line", "expected"), [
    ({"source": "text"}, {"content": "text"}),
    ({"source-ref": "s3://b/k"}, {"s3Uri": "s3://b/k"}),
    ({"content": "already"}, {"content": "already"}),
    ({"s3Uri": "s3://b/k"}, {"s3Uri": "s3://b/k"}),
])
def test_a_data_object_is_sent_as_content_or_s3_uri(line: dict[str, str], expected: dict[str, str]) -> None:
    assert payload_data_object(line) == expected


def test_a_payload_refuses_objects_it_cannot_describe() -> None:
    with pytest.raises(HookError, match="'source'"):
        consolidation_payload([("0", {"other": 1}, [])])
    with pytest.raises(HookError, match="entry 1: datasetObjectId '0' appears twice"):
        consolidation_payload([("0", {"source": "a"}, []), ("0", {"source": "b"}, [])])
    with pytest.raises(HookError, match="JSON string"):
        consolidation_payload([("0", {"source": "a"}, [("w", {"label": "x"})])])  # type: ignore[list-item]


def test_the_consolidation_response_gives_value_and_metadata_per_object() -> None:
    resp = [
        {"datasetObjectId": "4", "consolidatedAnnotation": {"content": {"animal": {"label": "cat", "votes": 2}}}},
        {"datasetObjectId": "5", "consolidatedAnnotation": {"content": {
            "animal": 0, "animal-metadata": {"class-name": "cat", "confidence": 0.9}, "ignored": True}}},
    ]
    assert parse_consolidation_response(resp, "animal", {"4", "5", "6"}) == {
        "4": ConsolidatedContent(value={"label": "cat", "votes": 2}, metadata=None),
        "5": ConsolidatedContent(value=0, metadata={"class-name": "cat", "confidence": 0.9}),
    }


def test_a_null_value_is_still_a_value() -> None:
    resp = [{"datasetObjectId": "4", "consolidatedAnnotation": {"content": {"animal": None}}}]
    assert parse_consolidation_response(resp, "animal", {"4"})["4"] == ConsolidatedContent(None, None)


def _entry(object_id: Any = "0", content: Any = None) -> dict[str, Any]:
    return {"datasetObjectId": object_id,
            "consolidatedAnnotation": {"content": {"animal": "cat"} if content is None else content}}


@pytest.mark.parametrize(("resp", "message"), [
    ({"datasetObjectId": "0"}, "must be a JSON list, got an object"),
    ([_entry(), "x"], "entry 1: must be a JSON object"),
    ([_entry("9")], "entry 0: datasetObjectId '9' was not in this batch"),
    ([_entry(), _entry("1"), _entry("0")], "entry 2: datasetObjectId '0' appears more than once"),
    ([_entry(None)], "entry 0: 'datasetObjectId' must be a string"),
    ([_entry(True)], "entry 0: 'datasetObjectId' must be a string"),
    ([{"datasetObjectId": "0"}], "entry 0: 'consolidatedAnnotation' must be a JSON object"),
    ([{"datasetObjectId": "0", "consolidatedAnnotation": {"content": "cat"}}], "'consolidatedAnnotation.content'"),
    ([_entry("1"), _entry("0", {"label": "cat"})], "entry 1: 'consolidatedAnnotation.content' has no 'animal'"),
    ([_entry("0", {"animal": "cat", "animal-metadata": "high"})], "entry 0: 'animal-metadata' must be a JSON"),
])
def test_a_bad_consolidation_response_names_the_entry(resp: Any, message: str) -> None:
    with pytest.raises(HookError, match=message):
        parse_consolidation_response(resp, "animal", {"0", "1"})


def test_an_integer_id_is_read_as_its_string() -> None:
    assert set(parse_consolidation_response([_entry(0)], "animal", {"0"})) == {"0"}


# -- paths --------------------------------------------------------------------------------------------------------


def test_request_and_response_files_sit_where_ground_truth_puts_them() -> None:
    layout = HookLayout.for_job("s3://out/", "pets-v1")
    moment = datetime(2024, 5, 2, 10, 11, 12, 999999)
    assert layout.root == JobLayout.for_job("s3://out/", "pets-v1").root
    assert layout.consolidation_request(moment) == (
        "s3://out/pets-v1/annotations/consolidated-annotation/consolidation-request/iteration-1/"
        "2024-05-02_10:11:12.json")
    assert layout.consolidation_response(moment, iteration=3, suffix="-2") == (
        "s3://out/pets-v1/annotations/consolidated-annotation/consolidation-response/iteration-3/"
        "2024-05-02_10:11:12-2.json")
