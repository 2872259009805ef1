"""Every built-in task type through a whole job, on SQLite and on PostgreSQL: ingest, three labelers claim and
submit the crowd element's answer shape, consolidation, and the output manifest line Ground Truth would write."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from shared.domain.errors import ValidationFailed
from shared.domain.output import segmentation_colors
from shared.services import labeling
from tests.helpers import write_manifest
from tests.unit.services.world import World, settle

pytestmark = pytest.mark.integration


def _image(tmp: Path, name: str, width: int = 64, height: int = 48) -> str:
    path = tmp / name
    Image.new("RGB", (width, height), (120, 30, 200)).save(path)
    return path.resolve().as_uri()


def _run(world: World, job_id: int, answer_for: Callable[[int, dict[str, Any]], Any]) -> list[dict[str, Any]]:
    """Each labeler answers whatever it can claim; then the job settles and its output manifest is read back."""
    progressed = True
    while progressed:
        progressed = False
        for who, labeler in enumerate(world.labelers):
            task = labeling.claim_next(world.deps, labeler, job_id)
            if task is None:
                continue
            result = labeling.submit(world.deps, labeler, task["assignment_id"], answer_for(who, task))
            assert result["state"] == "submitted"
            world.clock.advance(5)
            progressed = True
    job = settle(world, job_id)
    assert job.status == "Completed", (job.status, world.states(job_id))
    manifest = world.deps.blobs.read_bytes(f"{job.output_uri}/{job.name}/manifests/output/output.manifest")
    return [json.loads(line) for line in manifest.decode().splitlines()]


def _common_metadata(meta: dict[str, Any], output_type: str) -> None:
    assert meta["type"] == output_type
    assert meta["human-annotated"] == "yes"
    assert meta["job-name"].startswith("labeling-job/")
    assert len(meta["creation-date"]) == 26


def test_image_multi_label(any_world: World) -> None:
    world = any_world
    lines = [json.dumps({"source-ref": _image(world.tmp, f"m{i}.png")}) for i in range(2)]
    job_id = world.create(lines, task_type="image-classification-multilabel", label_attribute_name="tags",
                          labels=["person", "car", "bicycle"], workers_per_object=3)
    picks = {0: ["person", "bicycle"], 1: ["person"], 2: ["bicycle", "person"]}
    out = _run(world, job_id, lambda who, task: {"crowd-image-classifier-multi-select": {"labels": picks[who]}})
    for line in out:
        assert sorted(line["tags"]) == [0, 2]
        meta = line["tags-metadata"]
        _common_metadata(meta, "groundtruth/image-classification-multilabel")
        assert meta["class-map"] == {"0": "person", "2": "bicycle"}
        assert set(meta["confidence-map"]) == {"0", "2"}
        assert meta["confidence-map"]["0"] >= meta["confidence-map"]["2"]


def test_text_multi_label(any_world: World) -> None:
    world = any_world
    lines = [json.dumps({"source": f"great food, slow service {i}"}) for i in range(2)]
    job_id = world.create(lines, task_type="text-classification-multilabel", label_attribute_name="aspects",
                          labels=["food", "service", "price"], workers_per_object=3)
    out = _run(world, job_id, lambda who, task: {"labels": ["food", "service"] if who < 2 else ["food"]})
    for line in out:
        assert sorted(line["aspects"]) == [0, 1]
        _common_metadata(line["aspects-metadata"], "groundtruth/text-classification-multilabel")


def test_none_of_the_above_is_an_empty_multi_label(any_world: World) -> None:
    """The element's exclusion category answers no label; when most labelers chose it, so does the output."""
    world = any_world
    lines = [json.dumps({"source": "a plain sentence"})]
    job_id = world.create(lines, task_type="text-classification-multilabel", label_attribute_name="aspects",
                          labels=["food", "service", "price"], workers_per_object=3)
    out = _run(world, job_id, lambda who, task: {"category": {"labels": ["food"] if who == 2 else []}})
    assert out[0]["aspects"] == []
    meta = out[0]["aspects-metadata"]
    _common_metadata(meta, "groundtruth/text-classification-multilabel")
    assert meta["class-map"] == {} and meta["confidence-map"] == {}


def _box(label: str, left: float, top: float, width: float, height: float) -> dict[str, Any]:
    return {"label": label, "left": left, "top": top, "width": width, "height": height}


def test_bounding_boxes_fuse_and_read_the_image_size(any_world: World) -> None:
    world = any_world
    lines = [json.dumps({"source-ref": _image(world.tmp, "b0.png", 64, 48)})]
    job_id = world.create(lines, task_type="bounding-box", label_attribute_name="boxes", labels=["car", "bike"],
                          workers_per_object=3)
    per_worker = {
        0: [_box("car", 10, 10, 20, 10), _box("bike", 40, 30, 10, 10)],
        1: [_box("car", 11, 10, 20, 11), _box("bike", 41, 30, 10, 10)],
        2: [_box("car", 10, 11, 19, 10)],
    }
    out = _run(world, job_id, lambda who, task: {"crowd-bounding-box": {
        "boundingBoxes": per_worker[who], "inputImageProperties": {"width": 64, "height": 48}}})
    value, meta = out[0]["boxes"], out[0]["boxes-metadata"]
    assert value["image_size"] == [{"width": 64, "height": 48, "depth": 3}]
    classes = sorted(a["class_id"] for a in value["annotations"])
    assert classes == [0, 1]
    car = next(a for a in value["annotations"] if a["class_id"] == 0)
    assert abs(car["left"] - 10) <= 1 and abs(car["width"] - 20) <= 1
    assert len(meta["objects"]) == 2 and all(0 < o["confidence"] <= 1 for o in meta["objects"])
    assert meta["class-map"] == {"0": "car", "1": "bike"}
    _common_metadata(meta, "groundtruth/object-detection")


def _mask_png(width: int, height: int, painted: list[tuple[int, int, int, int, str]]) -> str:
    image = Image.new("RGB", (width, height), (255, 255, 255))
    for x0, y0, x1, y1, color in painted:
        rgb = tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
        for x in range(x0, x1):
            for y in range(y0, y1):
                image.putpixel((x, y), rgb)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_semantic_segmentation_writes_a_png_label_map(any_world: World) -> None:
    world = any_world
    lines = [json.dumps({"source-ref": _image(world.tmp, "s0.png", 16, 12)})]
    job_id = world.create(lines, task_type="semantic-segmentation", label_attribute_name="road-ref",
                          labels=["road", "car"], workers_per_object=3)
    colors = segmentation_colors(3)  # BACKGROUND, road, car
    mappings = {"road": {"color": colors[1]}, "car": {"color": colors[2]}}
    masks = {0: [(0, 6, 16, 12, colors[1])], 1: [(0, 6, 16, 12, colors[1]), (0, 0, 2, 2, colors[2])],
             2: [(0, 7, 16, 12, colors[1])]}
    out = _run(world, job_id, lambda who, task: {"crowd-semantic-segmentation": {
        "labeledImage": {"pngImageData": _mask_png(16, 12, masks[who])}, "labelMappings": mappings,
        "inputImageProperties": {"width": 16, "height": 12}}})
    uri, meta = out[0]["road-ref"], out[0]["road-ref-metadata"]
    assert "/annotations/consolidated-annotation/output/0_" in uri and uri.endswith(".png")
    label_map = Image.open(io.BytesIO(world.deps.blobs.read_bytes(uri))).convert("RGB")
    assert label_map.size == (16, 12)
    road = tuple(int(colors[1][i:i + 2], 16) for i in (1, 3, 5))
    assert label_map.getpixel((8, 10)) == road  # all three painted it
    assert label_map.getpixel((8, 2)) == (255, 255, 255)  # nobody did
    color_map = meta["internal-color-map"]
    assert color_map["0"]["class-name"] == "BACKGROUND" and color_map["1"]["class-name"] == "road"
    assert len({entry["confidence"] for entry in color_map.values()}) == 1
    _common_metadata(meta, "groundtruth/semantic-segmentation")


def test_named_entities(any_world: World) -> None:
    world = any_world
    text = "Acme opened a lab in Oslo in 2021."
    job_id = world.create([json.dumps({"source": text})], task_type="named-entity-recognition",
                          label_attribute_name="ents", labels=None,
                          label_category_config={"document-version": "2018-11-28", "labels": [
                              {"label": "ORG", "shortDisplayName": "org"}, {"label": "LOC"}, {"label": "DATE"}]},
                          workers_per_object=3)
    spans = {0: [("ORG", 0, 4), ("LOC", 21, 25)], 1: [("ORG", 0, 4), ("LOC", 21, 25), ("DATE", 29, 33)],
             2: [("ORG", 0, 5), ("LOC", 21, 25)]}
    out = _run(world, job_id, lambda who, task: {"crowd-entity-annotation": {"entities": [
        {"label": label, "startOffset": s, "endOffset": e} for label, s, e in spans[who]]}})
    value, meta = out[0]["ents"], out[0]["ents-metadata"]
    entities = sorted((e["label"], e["startOffset"], e["endOffset"]) for e in value["annotations"]["entities"])
    assert entities == [("LOC", 21, 25), ("ORG", 0, 4)]  # DATE had one supporter of three
    assert value["annotations"]["labels"][0] == {"label": "ORG", "shortDisplayName": "org"}
    assert len(meta["entities"]) == 2
    _common_metadata(meta, "groundtruth/text-span")


def test_a_span_outside_the_text_is_refused_and_nothing_is_recorded(any_world: World) -> None:
    world = any_world
    job_id = world.create([json.dumps({"source": "short"})], task_type="named-entity-recognition",
                          label_attribute_name="ents", labels=["ORG", "LOC"], workers_per_object=1)
    task = labeling.claim_next(world.deps, world.labelers[0], job_id)
    assert task is not None
    with pytest.raises(ValidationFailed) as refused:
        labeling.submit(world.deps, world.labelers[0], task["assignment_id"],
                        {"entities": [{"label": "ORG", "startOffset": 2, "endOffset": 40}]})
    assert "answer.entities[0]" in (refused.value.field or "")
    good = labeling.submit(world.deps, world.labelers[0], task["assignment_id"],
                           {"entities": [{"label": "ORG", "startOffset": 0, "endOffset": 5}]})
    assert good["state"] == "submitted"


def _prior_boxes_line(world: World, name: str) -> str:
    return json.dumps({
        "source-ref": _image(world.tmp, name, 64, 48),
        "boxes": {"image_size": [{"width": 64, "height": 48, "depth": 3}],
                  "annotations": [{"class_id": 0, "left": 10, "top": 10, "width": 20, "height": 10}]},
        "boxes-metadata": {"objects": [{"confidence": 0.9}], "class-map": {"0": "car"},
                           "type": "groundtruth/object-detection", "human-annotated": "yes",
                           "creation-date": "2024-05-02T10:11:12.123456", "job-name": "labeling-job/boxes-v1"},
    })


def test_verification_of_a_prior_jobs_boxes(any_world: World) -> None:
    world = any_world
    job_id = world.create([_prior_boxes_line(world, "v0.png")], task_type="verification-bounding-box",
                          label_attribute_name="verify-boxes", labels=["good", "bad"],
                          prior_label_attribute_name="boxes", workers_per_object=3)
    seen: list[Any] = []

    def answer(who: int, task: dict[str, Any]) -> Any:
        seen.append(task["input"]["prior"])
        return {"label": "bad" if who else "good", "workerComment": "box too wide" if who == 1 else ""}

    out = _run(world, job_id, answer)
    assert seen[0]["value"]["annotations"][0]["class_id"] == 0
    line = out[0]
    assert line["boxes"]["annotations"][0]["width"] == 20  # the reviewed label stays untouched
    assert line["verify-boxes"] == "1"
    meta = line["verify-boxes-metadata"]
    assert meta["class-name"] == "bad"
    assert meta["worker-feedback"] == [{"comment": "box too wide"}]
    _common_metadata(meta, "groundtruth/label-verification")


def test_adjustment_of_a_prior_jobs_boxes(any_world: World) -> None:
    world = any_world
    job_id = world.create([_prior_boxes_line(world, "a0.png")], task_type="adjustment-bounding-box",
                          label_attribute_name="boxes-adjusted", labels=["car", "bike"],
                          prior_label_attribute_name="boxes", workers_per_object=3)
    adjusted = [_box("car", 10, 10, 24, 10)]
    out = _run(world, job_id, lambda who, task: {
        "boundingBoxes": adjusted, "inputImageProperties": {"width": 64, "height": 48},
        "initialValueModified": True})
    value, meta = out[0]["boxes-adjusted"], out[0]["boxes-adjusted-metadata"]
    assert value["annotations"][0]["width"] == 24
    assert meta["adjustment-status"] == "adjusted"
    _common_metadata(meta, "groundtruth/object-detection")


def test_a_line_without_the_reviewed_attribute_fails_with_its_line_number(any_world: World) -> None:
    world = any_world
    broken = json.loads(_prior_boxes_line(world, "p2.png"))
    broken["boxes"]["annotations"] = "not a list"
    lines = [_prior_boxes_line(world, "p0.png"), json.dumps({"source-ref": _image(world.tmp, "p1.png")}),
             json.dumps(broken)]
    job_id = world.create(lines, task_type="verification-bounding-box", label_attribute_name="verify",
                          labels=["good", "bad"], prior_label_attribute_name="boxes", workers_per_object=1)
    failed = [o for o in world.objects(job_id) if o.state == "failed"]
    assert [o.line_no for o in failed] == [1, 2]
    assert "line 2" in (failed[0].failure_reason or "") and "'boxes'" in (failed[0].failure_reason or "")
    assert "line 3" in (failed[1].failure_reason or "") and "cannot be read" in (failed[1].failure_reason or "")


def test_a_verification_job_needs_the_reviewed_attribute(any_world: World) -> None:
    world = any_world
    uri = write_manifest(world.tmp / "x.jsonl", [_prior_boxes_line(world, "x.png")])
    with world.deps.sessions.begin() as session, pytest.raises(ValidationFailed) as refused:
        from shared.services import jobs

        jobs.create_job(world.deps, session, world.requester_id,
                        world.spec(uri, task_type="verification-bounding-box", label_attribute_name="verify",
                                   labels=["good", "bad"]), None)
    assert refused.value.field == "prior_label_attribute_name"


def test_adjustment_of_a_prior_jobs_masks(any_world: World) -> None:
    world = any_world
    colors = segmentation_colors(2)  # BACKGROUND, road
    prior = json.dumps({
        "source-ref": _image(world.tmp, "sa.png", 8, 6), "road-ref": "s3://out/seg/annotations/0.png",
        "road-ref-metadata": {"internal-color-map": {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff",
                                                           "confidence": 0.9},
                                                     "1": {"class-name": "road", "hex-color": colors[1],
                                                           "confidence": 0.9}},
                              "type": "groundtruth/semantic-segmentation", "human-annotated": "yes",
                              "creation-date": "2024-05-02T10:11:12.123456", "job-name": "labeling-job/seg"}})
    job_id = world.create([prior], task_type="adjustment-semantic-segmentation", label_attribute_name="road2-ref",
                          labels=["road"], prior_label_attribute_name="road-ref", workers_per_object=3)
    out = _run(world, job_id, lambda who, task: {
        "labeledImage": {"pngImageData": _mask_png(8, 6, [(0, 3, 8, 6, colors[1])])},
        "labelMappings": {"road": {"color": colors[1]}}, "inputImageProperties": {"width": 8, "height": 6},
        "initialValueModified": who == 0})
    line = out[0]
    assert line["road-ref"] == "s3://out/seg/annotations/0.png"  # the reviewed label stays
    meta = line["road2-ref-metadata"]
    assert meta["adjustment-status"] == "adjusted" and meta["type"] == "groundtruth/semantic-segmentation"
    label_map = Image.open(io.BytesIO(world.deps.blobs.read_bytes(line["road2-ref"]))).convert("RGB")
    assert label_map.getpixel((4, 5)) == tuple(int(colors[1][i:i + 2], 16) for i in (1, 3, 5))
