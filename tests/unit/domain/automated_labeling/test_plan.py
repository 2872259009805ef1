"""Settings validation and JSON, the validation split, round sizes and stopping conditions."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest

from shared.domain.automated_labeling import AutoLabelingSettings, human_batch_size, is_validation, stopping_reason


def test_defaults() -> None:
    s = AutoLabelingSettings()
    assert (s.target_accuracy, s.confidence, s.audit_rate, s.validation_share, s.strategy) == (
        0.95, 0.95, 0.02, 0.2, "least-confidence")
    assert (s.batch_size, s.initial_batch_size, s.per_class_min_items, s.seed) == (None, None, 100, 0)


def test_json_round_trip() -> None:
    s = AutoLabelingSettings(target_accuracy=0.9, strategy="entropy", batch_size=50, max_percent_labeled=80.0,
                             epochs=3, seed=7, initial_model_uri="s3://models/start.pt")
    assert AutoLabelingSettings.from_json(s.to_json()) == s
    assert json.loads(s.to_json())["strategy"] == "entropy"
    assert AutoLabelingSettings.from_json('{"audit_rate": 0.05}') == AutoLabelingSettings(audit_rate=0.05)


@pytest.mark.parametrize("text", ['{"target_acuracy": 0.9}', "[1]", "not json", '{"batch_size": 0}'])
def test_bad_json(text: str) -> None:
    with pytest.raises(ValueError):
        AutoLabelingSettings.from_json(text)


def test_unknown_field_is_named() -> None:
    with pytest.raises(ValueError, match="target_acuracy"):
        AutoLabelingSettings.from_json('{"target_acuracy": 0.9}')


@pytest.mark.parametrize(("field", "value"), [
    ("target_accuracy", 0.5), ("target_accuracy", 1.0), ("target_accuracy", "0.95"), ("confidence", 0.5),
    ("confidence", 1.0), ("audit_rate", -0.01), ("audit_rate", 0.51), ("validation_share", 0.0),
    ("validation_share", 0.51), ("strategy", "random"), ("batch_size", 0), ("batch_size", True),
    ("initial_batch_size", 0), ("per_class_min_items", 0), ("max_human_labeled", 0), ("max_percent_labeled", 0.0),
    ("max_percent_labeled", 100.5), ("epochs", 0), ("epochs", 2.5), ("seed", 1.5), ("initial_model_uri", ""),
])
def test_each_bad_field_is_named(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        AutoLabelingSettings(**{field: value})


def test_range_edges_are_allowed() -> None:
    AutoLabelingSettings(audit_rate=0.0, validation_share=0.5, max_percent_labeled=100.0, batch_size=1)
    AutoLabelingSettings(audit_rate=0.5, target_accuracy=0.51, confidence=0.999)


def test_is_validation_is_stable() -> None:
    # Pinned: changing the hash would move objects of running jobs between training and validation.
    assert [i for i in range(40) if is_validation(i, 0, 0.2)] == [2, 7, 8, 11, 12, 17, 21, 23, 33, 39]
    code = ("from shared.domain.automated_labeling import is_validation; "
            "print([i for i in range(200) if is_validation(i, 3, 0.3)])")
    outputs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    }
    assert outputs == {f"{[i for i in range(200) if is_validation(i, 3, 0.3)]}\n"}


def test_is_validation_takes_the_share_and_depends_on_the_seed() -> None:
    ids = range(8_000)
    split = [is_validation(i, 0, 0.2) for i in ids]
    assert sum(split) / len(split) == pytest.approx(0.2, abs=0.015)  # sd ~ 0.0045
    assert split != [is_validation(i, 1, 0.2) for i in ids]
    # a larger share only adds objects: raising it never moves a validation object into training
    assert all(is_validation(i, 0, 0.3) for i in ids if is_validation(i, 0, 0.2))
    assert not any(is_validation(i, 0, 0.0) for i in range(100))
    assert all(is_validation(i, 0, 1.0) for i in range(100))


@pytest.mark.parametrize(("object_id", "seed", "share"), [(1.0, 0, 0.2), (1, "0", 0.2), (1, 0, 1.5), (True, 0, 0.2)])
def test_is_validation_bad_arguments(object_id: object, seed: object, share: object) -> None:
    with pytest.raises(ValueError):
        is_validation(object_id, seed, share)  # type: ignore[arg-type]


def size(settings: AutoLabelingSettings, max_concurrent: int = 10, pool_left: int = 1000, human_labeled: int = 5,
         dataset_size: int = 10_000, labeled_total: int = 5) -> int:
    return human_batch_size(settings, max_concurrent, pool_left, human_labeled, dataset_size, labeled_total)


def test_batch_size_defaults_to_max_concurrent() -> None:
    assert size(AutoLabelingSettings()) == 10
    assert size(AutoLabelingSettings(), pool_left=7) == 7
    assert size(AutoLabelingSettings(), pool_left=0) == 0


def test_batch_size_and_initial_batch_size() -> None:
    s = AutoLabelingSettings(batch_size=25, initial_batch_size=40)
    assert size(s, human_labeled=0) == 40  # first round: no human labels yet
    assert size(s, human_labeled=5) == 25
    assert size(dataclasses.replace(s, initial_batch_size=None), human_labeled=0) == 25
    assert size(s, human_labeled=0, pool_left=30) == 30


def test_max_human_labeled_caps_the_batch() -> None:
    s = AutoLabelingSettings(batch_size=25, max_human_labeled=30)
    assert size(s, human_labeled=25) == 5
    assert size(s, human_labeled=30) == 0
    assert size(s, human_labeled=35) == 0


def test_max_percent_labeled_stops_the_batch() -> None:
    s = AutoLabelingSettings(batch_size=25, max_percent_labeled=50.0)
    assert size(s, dataset_size=100, labeled_total=49) == 25
    assert size(s, dataset_size=100, labeled_total=50) == 0
    # 0.07 % of 10000 is 7 exactly (0.07 * 10000 is 700.0000000000001 in floating point)
    tiny = AutoLabelingSettings(max_percent_labeled=0.07)
    assert size(tiny, dataset_size=10_000, labeled_total=7) == 0
    assert size(tiny, dataset_size=10_000, labeled_total=6) == 10


def test_bad_size_arguments() -> None:
    with pytest.raises(ValueError):
        size(AutoLabelingSettings(), max_concurrent=0)
    with pytest.raises(ValueError):
        size(AutoLabelingSettings(), pool_left=-1)


def test_stopping_reason() -> None:
    s = AutoLabelingSettings(max_human_labeled=100, max_percent_labeled=60.0)
    assert stopping_reason(s, human_labeled=99, labeled_total=500, dataset_size=1000) is None
    assert stopping_reason(s, human_labeled=100, labeled_total=500, dataset_size=1000) == \
        "MaxHumanLabeledObjectCount reached"
    assert stopping_reason(s, human_labeled=50, labeled_total=600, dataset_size=1000) == \
        "MaxPercentageOfInputDatasetLabeled reached"
    assert stopping_reason(s, human_labeled=100, labeled_total=600, dataset_size=1000) == \
        "MaxHumanLabeledObjectCount reached"
    assert stopping_reason(AutoLabelingSettings(), human_labeled=10**6, labeled_total=10**6, dataset_size=10**6) is None
    assert stopping_reason(s, human_labeled=0, labeled_total=0, dataset_size=0) is None
