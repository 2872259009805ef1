"""The real Ground Truth files the format tests compare against, each with its job's LabelAttributeName(s)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from tests.conftest import REFERENCE_DIR

GT_DIR = REFERENCE_DIR / "datasets" / "groundtruth_manifests"

# What Ground Truth itself wrote (README: find the attribute from the job, never by suffix matching).
REAL: dict[str, tuple[str, ...]] = {
    "custom/legal-entity-label-job.output.manifest": ("legal-entity-label-job-labeling-job-20220104T172242",),
    "image-classification/banana-1.output.manifest": ("banana-1",),
    "image-classification/birds-open-images-clone/output.manifest": ("birds-open-images-clone",),
    "image-classification/coral.test-label-dianthus.output.manifest": ("test-label-dianthus",),
    "image-classification/lab1-labeling-job.output.manifest": ("lab1-labeling-job",),
    "image-classification/mammography-views.output.manifest": ("mammography-views",),
    "image-classification/vehicle-labeling-demo.output.manifest": ("vehicle-labeling-demo",),
    "multilabel/cutomdocclassification.readme-excerpt.manifest": ("cutomDocClassification",),
    "ner/entityrecognizerpoc-1.readme-excerpt.manifest": ("EntityRecognizerPOC-1",),
    "object-detection/bcbs-logo-labeling.output.manifest": ("bcbs-logo-labeling",),
    "object-detection/bees-500.output.manifest": ("bees-500",),
    "object-detection/bees-sample.output.manifest": ("bees-sample",),
    "object-detection/cat-ground-truth.output.manifest": ("cat-ground-truth",),
    "object-detection/dl-labelling-job-test.manifest": ("dl-labelling-job-test",),
    "object-detection/dl-labelling-job-train.manifest": ("dl-labelling-job-train",),
    "object-detection/ground-truth-od-demo.sample_output.manifest": ("category",),
    "object-detection/hms-ayo.output.manifest": ("hms-ayo",),
    "object-detection/pid-label-job.output.manifest": ("pid-label-job",),
    "semantic-segmentation/s10-label3.output.manifest": ("S10-label3-ref",),
    "text-classification/cutomdocclassification-multi-class.readme-excerpt.manifest":
        ("cutomDocClassification-multi-class",),
    "text-classification/hashtag-positivity-label-clone.blog-excerpt.manifest": ("hashtag-positivity-label-clone",),
    "text-classification/twitter-test-3.notebook-output.manifest": ("twitter-test-3",),
    "verification-adjustment/suneung-korean-layout-detection-v2-chain.output.manifest":
        ("suneung-korean-layout-detection-v2", "suneung-korean-layout-detection-v2-chain"),
    "video/nfl-example-job.output.manifest": ("Person", "Person-ref"),
}
INPUTS = ("image-classification/banana-1.input.manifest", "object-detection/cat-ground-truth.input.manifest")

# Ground-Truth-format files GT did not write: a reader accepts them, "what GT emits" tests leave them out.
LOOKALIKES: dict[str, tuple[str, ...]] = {
    "_lookalikes/auto-label.rekognition-style.manifest": ("normal", "auto-label"),
    "_lookalikes/bax-bees.reserialized.train.manifest": ("bax-bees",),
    "_lookalikes/bird-image-classification.simulated.output.manifest": ("label",),
    "_lookalikes/feature-store.docs-example.output.manifest": ("species", "mood"),
}


def text_of(relative: str) -> str:
    return (GT_DIR / relative).read_text(encoding="utf-8")


def lines_of(relative: str) -> Iterator[dict[str, Any]]:
    for line in text_of(relative).splitlines():
        if line.strip():
            yield json.loads(line)


def labelled_lines(gt_type: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(file, attribute, line) for every real line whose attribute has metadata `type` == gt_type."""
    for relative, attributes in REAL.items():
        for line in lines_of(relative):
            for attribute in attributes:
                meta = line.get(f"{attribute}-metadata")
                if isinstance(meta, dict) and meta.get("type") == gt_type:
                    yield relative, attribute, line


def shape(value: Any) -> Any:
    """A value's JSON shape, hashable: objects by key set, arrays by the set of their element shapes, and int and
    float as one "number" (GT writes confidence `0` and `0.95`, coordinates `177` and `95.39999999999998`)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return ("object", tuple(sorted((k, shape(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("array", tuple(sorted({shape(v) for v in value}, key=repr)))
    raise TypeError(type(value))
