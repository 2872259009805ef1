"""Task UIs rendered from Liquid templates: every built-in template for a leased task of its type (the right crowd
element and attributes), every real Ground Truth template, the filters and autoescape, the task page's access
rules, and the create-job checks on custom templates and instruction examples."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import update

from services.api.web import task_ui
from shared.bootstrap import Deps
from shared.domain.output import segmentation_colors
from shared.domain.task_types import TaskType
from shared.persistence.tables import Assignment
from tests.conftest import REFERENCE_DIR
from tests.helpers import drain, write_manifest
from tests.unit.api.test_validation_and_access import Headers, create_job, error_of, job_body, labeler

BASE = "http://localhost"
GT_TEMPLATES = sorted((REFERENCE_DIR / "datasets" / "groundtruth_manifests").glob("*/templates/*"))


class Page(HTMLParser):
    """The elements of a rendered page: (tag, attributes) in document order, and the text inside each tag."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: dict[str, list[str]] = {}
        self._open: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        for tag in self._open:
            self.texts.setdefault(tag, []).append(data)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.elements if name == tag]

    def one(self, tag: str) -> dict[str, str]:
        found = self.all(tag)
        assert len(found) == 1, (tag, found)
        return found[0]

    def text(self, tag: str) -> str:
        return " ".join("".join(self.texts.get(tag, [])).split())


def assert_document(text: str) -> Page:
    """A whole document that loads Groundwork's crowd elements exactly once and never Ground Truth's."""
    assert text.startswith("<!doctype html><html><head><meta charset=\"utf-8\">")
    assert "assets.crowd.aws" not in text
    page = Page(text)
    crowd = [s for s in page.all("script") if s.get("src") == task_ui.CROWD_SCRIPT]
    assert len(crowd) == 1
    return page


def image(tmp_path: Path, name: str, size: tuple[int, int] = (64, 48)) -> str:
    path = tmp_path / name
    Image.new("RGB", size, (200, 10, 10)).save(path)
    return path.resolve().as_uri()


def assert_signed(client: FlaskClient, url: str, uri: str) -> None:
    """An absolute signed link to `uri` that the blob endpoint serves."""
    parsed = urlparse(url)
    assert f"{parsed.scheme}://{parsed.netloc}" == BASE and parsed.path == "/api/v1/blob", url
    assert parse_qs(parsed.query)["ref"] == [uri]
    served = client.get(f"{parsed.path}?{parsed.query}")
    assert served.status_code == 200


# ---------------------------------------------------------------------------------------------- built-in templates

COLORS = segmentation_colors(2)


def _prior_boxes(src: str) -> dict[str, Any]:
    return {"source-ref": src,
            "boxes": {"image_size": [{"width": 64, "height": 48, "depth": 3}],
                      "annotations": [{"class_id": 0, "left": 10, "top": 11, "width": 20, "height": 12}]},
            "boxes-metadata": {"objects": [{"confidence": 0.9}], "class-map": {"0": "car"},
                               "type": "groundtruth/object-detection", "human-annotated": "yes",
                               "creation-date": "2024-05-02T10:11:12.123456", "job-name": "labeling-job/boxes"}}


def _prior_mask(src: str, mask: str) -> dict[str, Any]:
    return {"source-ref": src, "road-ref": mask,
            "road-ref-metadata": {"internal-color-map": {
                "0": {"class-name": "BACKGROUND", "hex-color": "#ffffff", "confidence": 0.9},
                "1": {"class-name": "road", "hex-color": COLORS[1], "confidence": 0.9}},
                "type": "groundtruth/semantic-segmentation", "human-annotated": "yes",
                "creation-date": "2024-05-02T10:11:12.123456", "job-name": "labeling-job/seg"}}


NASTY = "Acme <script>alert('x')</script> & Co. opened in Oslo"


def _case(task_type: str, tmp_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """A one-line manifest and the job fields for a task type."""
    src = image(tmp_path, "a.png")
    if task_type in ("text-classification", "text-classification-multilabel"):
        return {"source": NASTY}, {"labels": ["neg", "pos"]}
    if task_type == "named-entity-recognition":
        return {"source": NASTY}, {"label_category_config": {"document-version": "2018-11-28", "labels": [
            {"label": "ORG", "shortDisplayName": "org"}, {"label": "LOC"}]}}
    if task_type == "semantic-segmentation":
        return {"source-ref": src}, {"labels": ["road", "car"], "label_attribute_name": "seg-ref"}
    if task_type in ("verification-bounding-box", "adjustment-bounding-box"):
        labels = ["good", "bad"] if task_type.startswith("verification") else ["car", "bike"]
        return _prior_boxes(src), {"labels": labels, "prior_label_attribute_name": "boxes",
                                   "label_attribute_name": "review"}
    if task_type in ("verification-semantic-segmentation", "adjustment-semantic-segmentation"):
        mask = image(tmp_path, "mask.png")
        verify = task_type.startswith("verification")
        return _prior_mask(src, mask), {"labels": ["good", "bad"] if verify else ["road"],
                                        "prior_label_attribute_name": "road-ref",
                                        "label_attribute_name": "review" if verify else "review-ref"}
    return {"source-ref": src}, {"labels": ["cat", "dog"]}


def leased(client: FlaskClient, acme: Headers, deps: Deps, staff: tuple[int, int], tmp_path: Path,
           task_type: str, **extra: Any) -> tuple[Headers, dict[str, Any], dict[str, Any]]:
    """A running one-object job of the type, and a labeler holding its task: (labeler, task, manifest line)."""
    line, fields = _case(task_type, tmp_path)
    fields.update(extra)
    uri = write_manifest(tmp_path / "in.manifest", [json.dumps(line)])
    body = job_body(staff[1], uri, **{"name": "ui-job", "task_type": task_type, "title": "", **fields})
    if "label_category_config" in fields:
        body.pop("labels")
    create_job(client, acme, body)
    drain(deps)
    lab = labeler(client, acme, staff[0], [staff[1]], "ana")
    task = client.post("/api/v1/work/next", json={}, headers=lab)
    assert task.status_code == 200, task.data
    return lab, task.json, line


def ui(client: FlaskClient, lab: Headers, task: dict[str, Any]) -> Page:
    response = client.get(f"/api/v1/work/{task['assignment_id']}/ui", headers=lab)
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "text/html"
    return assert_document(response.get_data(as_text=True))


def _attr_json(attrs: dict[str, str], name: str) -> Any:
    return json.loads(attrs[name])


EXPECTED_ELEMENT = {
    "image-classification": "crowd-image-classifier",
    "image-classification-multilabel": "crowd-image-classifier-multi-select",
    "text-classification": "crowd-classifier",
    "text-classification-multilabel": "crowd-classifier-multi-select",
    "bounding-box": "crowd-bounding-box",
    "semantic-segmentation": "crowd-semantic-segmentation",
    "named-entity-recognition": "crowd-entity-annotation",
    "verification-bounding-box": "crowd-image-classifier",
    "verification-semantic-segmentation": "crowd-image-classifier",
    "adjustment-bounding-box": "crowd-bounding-box",
    "adjustment-semantic-segmentation": "crowd-semantic-segmentation",
}


def test_every_task_type_has_a_built_in_template() -> None:
    assert set(EXPECTED_ELEMENT) == {t.value for t in TaskType}
    for task_type in TaskType:
        task_ui.parse_template(task_ui.builtin_template(task_type))


@pytest.mark.parametrize("task_type", sorted(EXPECTED_ELEMENT))
def test_a_built_in_template_renders_the_leased_task(client: FlaskClient, acme: Headers, deps: Deps,
                                                     staff: tuple[int, int], tmp_path: Path,
                                                     task_type: str) -> None:
    lab, task, line = leased(client, acme, deps, staff, tmp_path, task_type)
    page = ui(client, lab, task)
    tag = EXPECTED_ELEMENT[task_type]
    assert page.one("crowd-form") == {}
    element = page.one(tag)
    assert element["name"] == tag
    assert element["header"] == task_ui.DEFAULT_HEADERS[TaskType(task_type)]
    assert page.all("full-instructions") and page.all("short-instructions")
    if "source-ref" in line:
        assert_signed(client, element["src"], line["source-ref"])
    if tag in ("crowd-image-classifier", "crowd-image-classifier-multi-select", "crowd-classifier",
               "crowd-classifier-multi-select"):
        assert _attr_json(element, "categories") == task["labels"]
    if task_type in ("text-classification", "text-classification-multilabel"):
        assert page.text("classification-target") == NASTY
    if task_type == "named-entity-recognition":
        assert element["text"] == NASTY
        assert _attr_json(element, "labels") == [{"label": "ORG", "shortDisplayName": "org"}, {"label": "LOC"}]
    if tag in ("crowd-bounding-box", "crowd-semantic-segmentation"):
        assert _attr_json(element, "labels") == task["labels"]
    if task_type == "verification-bounding-box":
        assert _attr_json(element, "overlay") == {"bounding-box": {"labels": ["car"], "value": [
            {"label": "car", "left": 10, "top": 11, "width": 20, "height": 12}]}}
        assert page.one("worker-comment")["header"]
    if task_type == "adjustment-bounding-box":
        assert _attr_json(element, "initial-value") == [
            {"label": "car", "left": 10, "top": 11, "width": 20, "height": 12}]
    if task_type in ("verification-semantic-segmentation", "adjustment-semantic-segmentation"):
        key = "overlay" if task_type.startswith("verification") else "initial-value"
        given = _attr_json(element, key)
        mask = given["semantic-segmentation"] if key == "overlay" else given
        assert mask["labelMappings"] == {"road": {"color": COLORS[1]}}
        assert_signed(client, mask["src"], line["road-ref"])
        if key == "overlay":
            assert page.one("worker-comment")["header"]
    if not task_type.startswith(("verification", "adjustment")):
        assert "overlay" not in element and "initial-value" not in element


def test_instructions_examples_and_title_reach_the_built_in_template(
        client: FlaskClient, acme: Headers, deps: Deps, staff: tuple[int, int], tmp_path: Path) -> None:
    example_image = image(tmp_path, "example.png")
    instructions = {"short": "Pick <b>one</b>.", "full": "<p>Read carefully.</p>", "examples": [
        {"kind": "good", "source_ref": example_image, "label": "cat", "explanation": "a cat, clearly"},
        {"kind": "bad", "text": "a <dog>", "label": "cat", "explanation": "that is a dog"}]}
    lab, task, _ = leased(client, acme, deps, staff, tmp_path, "image-classification",
                          instructions=instructions, title="Cats & dogs")
    page = ui(client, lab, task)
    assert page.one("crowd-image-classifier")["header"] == "Cats & dogs"
    assert page.text("short-instructions") == "Pick one."
    assert page.all("b") and page.all("p")  # instructions are HTML (skip_autoescape), as in Ground Truth
    assert page.text("positive-example").startswith("cat")
    assert_signed(client, page.one("img")["src"], example_image)
    assert "a <dog>" in page.text("negative-example") and "that is a dog" in page.text("negative-example")


# ------------------------------------------------------------------------------------------------- custom templates

CUSTOM = """<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>
<crowd-form>
  <crowd-classifier name="sentiment" categories="{{ task.input.labels | to_json | escape }}"
                    header="{{ task.input.header }}">
    <classification-target>{{ task.input.taskObject }} / {{ task.input.id }}</classification-target>
  </crowd-classifier>
</crowd-form>"""


def test_a_custom_template_sees_the_manifest_line_and_autoescapes_it(
        client: FlaskClient, acme: Headers, deps: Deps, staff: tuple[int, int], tmp_path: Path) -> None:
    uri = write_manifest(tmp_path / "in.manifest", [json.dumps({"source": NASTY, "id": 7})])
    job = create_job(client, acme, job_body(staff[1], uri, ui_template=CUSTOM, title="Tweets"))
    assert job["custom_template"] is True
    drain(deps)
    lab = labeler(client, acme, staff[0], [staff[1]], "ana")
    task = client.post("/api/v1/work/next", json={}, headers=lab).json
    response = client.get(f"/api/v1/work/{task['assignment_id']}/ui", headers=lab)
    text = response.get_data(as_text=True)
    assert "<script>alert" not in text and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co." in text
    page = assert_document(text)
    element = page.one("crowd-classifier")
    assert element["name"] == "sentiment" and element["header"] == "Tweets"
    assert json.loads(element["categories"]) == ["negative", "positive"]
    assert page.text("classification-target") == f"{NASTY} / 7"


def test_a_hooks_task_input_is_task_input(client: FlaskClient, acme: Headers, deps: Deps,
                                          staff: tuple[int, int], tmp_path: Path) -> None:
    lab, task, _ = leased(client, acme, deps, staff, tmp_path, "text-classification",
                          ui_template="<p id='x'>{{ task.input.taskObject }}|{{ task.input.extra }}</p>")
    with deps.engine.begin() as conn:
        from shared.persistence.tables import DataObject

        conn.execute(update(DataObject).values(task_input_json=json.dumps({"taskObject": "from hook",
                                                                           "extra": 5})))
    page = ui(client, lab, task)
    assert page.text("p") == "from hook|5"


def test_a_manifest_key_named_labels_never_replaces_the_jobs_categories(
        client: FlaskClient, acme: Headers, deps: Deps, staff: tuple[int, int], tmp_path: Path) -> None:
    uri = write_manifest(tmp_path / "in.manifest", [json.dumps({"source": "hi", "labels": ["spam"]})])
    create_job(client, acme, job_body(staff[1], uri))
    drain(deps)
    lab = labeler(client, acme, staff[0], [staff[1]], "ana")
    page = ui(client, lab, client.post("/api/v1/work/next", json={}, headers=lab).json)
    assert json.loads(page.one("crowd-classifier")["categories"]) == ["negative", "positive"]


@pytest.mark.parametrize("path", GT_TEMPLATES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_ground_truth_template_renders(deps: Deps, tmp_path: Path, client: FlaskClient, path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    task_ui.check_template(source)
    src = image(tmp_path, "gt.png")
    sample = {"taskObject": src, "labels": [{"label": "PER", "shortDisplayName": "per"}], "text": "Ada in Oslo",
              "initialValue": json.dumps([{"label": "PER", "startOffset": 0, "endOffset": 3}])}
    if "entity" in source and "to_json" not in source:  # the review template's Lambda hands it JSON strings
        sample["labels"] = json.dumps(sample["labels"])
    with client.application.test_request_context():
        page = assert_document(task_ui.render_task(deps, source, sample, BASE))
    elements = [tag for tag, _ in page.elements if tag.startswith("crowd-") and tag != "crowd-form"]
    assert elements, path
    attrs = page.one(elements[0])
    if "grant_read_access" in source:
        assert_signed(client, attrs["src"], src)
    if "crowd-entity-annotation" in elements:
        assert attrs["text"] in ("Ada in Oslo", src)


def test_ground_truth_templates_exist() -> None:
    assert len(GT_TEMPLATES) >= 8


# ---------------------------------------------------------------------------------------------------- the filters

def render_body(source: str, data: dict[str, Any]) -> str:
    text = task_ui.render(source, data)
    return text.split("<body>", 1)[1].rsplit("</body>", 1)[0]


def test_filters_and_autoescape() -> None:
    data = {"s": "<b>&amp;</b>", "list": ["a", "b'c"], "obj": {"k": [1, None]}}
    assert render_body("{{ task.input.s }}", data) == "&lt;b&gt;&amp;amp;&lt;/b&gt;"
    assert render_body("{{ task.input.s | escape }}", data) == "&lt;b&gt;&amp;amp;&lt;/b&gt;"
    assert render_body("{{ task.input.s | escape_once }}", data) == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert render_body("{{ task.input.s | skip_autoescape }}", data) == "<b>&amp;</b>"
    assert render_body("{{ task.input.obj | to_json | skip_autoescape }}", data) == '{"k": [1, null]}'
    assert render_body("{{ task.input.list | to_json }}", data) == "[&#34;a&#34;, &#34;b&#39;c&#34;]"
    assert render_body("{{ task.input.list | to_json | escape }}", data) == "[&#34;a&#34;, &#34;b&#39;c&#34;]"
    assert render_body("{{ task.input.missing | to_json }}", data) == "null"
    assert render_body("{{ task.input.s | downcase | escape }}", data) == "&lt;b&gt;&amp;amp;&lt;/b&gt;"
    assert render_body("{{ 'https://x/y.png' | grant_read_access }}", data) == "https://x/y.png"
    assert render_body("{{ task.input.missing | grant_read_access }}", data) == ""


def test_grant_read_access_signs_stored_files_only_where_readable(deps: Deps, tmp_path: Path,
                                                                  client: FlaskClient) -> None:
    src = image(tmp_path, "x.png")
    missing = (tmp_path / "nope.png").resolve().as_uri()
    signer = task_ui.blob_signer(deps, BASE + "/", readable_only=True)
    out = render_body("{{ task.input.a | grant_read_access }}|{{ task.input.b | grant_read_access }}",
                      {"a": src, "b": missing}).split("|")
    assert out[1] == missing  # the preview's trust rule: nothing is signed that the store cannot read
    signed = task_ui.render("{{ task.input.a | grant_read_access }}", {"a": src}, signer)
    url = signed.split("<body>")[1].split("</body>")[0].replace("&amp;", "&")
    assert_signed(client, url, src)


def test_a_full_document_template_keeps_its_head() -> None:
    text = task_ui.render("<html><head><title>t</title></head><body>x</body></html>", {})
    assert text.startswith("<!doctype html><html><head><meta charset=\"utf-8\"><script src=\"/crowd-html-elements"
                           ".js\"></script><title>t</title>")


def test_syntax_errors_and_unknown_filters_name_the_line() -> None:
    with pytest.raises(task_ui.TemplateInvalid) as bad:
        task_ui.parse_template("<p>\n{{ task.input | }}\n</p>")
    assert bad.value.field == "ui_template" and "line 2" in bad.value.message
    with pytest.raises(task_ui.TemplateInvalid) as unknown:
        task_ui.parse_template("a\nb\n  {{ task.input.x | shout }}")
    assert "unknown filter 'shout'" in unknown.value.message and "line 3" in unknown.value.message
    with pytest.raises(task_ui.TemplateInvalid) as unclosed:
        task_ui.parse_template("{% if task.input.x %}open")
    assert "the 'if' block (line 1, column 4) is never closed" in unclosed.value.message


def test_a_template_that_fails_while_rendering_is_a_500(client: FlaskClient, acme: Headers, deps: Deps,
                                                        staff: tuple[int, int], tmp_path: Path) -> None:
    lab, task, _ = leased(client, acme, deps, staff, tmp_path, "text-classification",
                          ui_template="{% for i in (1..1000000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}")
    response = client.get(f"/api/v1/work/{task['assignment_id']}/ui", headers=lab)
    assert response.status_code == 500 and error_of(response)["code"] == "template_failed"


# ------------------------------------------------------------------------------------------------ the task page

def test_the_task_page_is_only_for_the_labeler_holding_a_live_lease(
        client: FlaskClient, acme: Headers, deps: Deps, staff: tuple[int, int], tmp_path: Path) -> None:
    lab, task, _ = leased(client, acme, deps, staff, tmp_path, "image-classification")
    aid = task["assignment_id"]
    other = labeler(client, acme, staff[0], [staff[1]], "bob")
    assert client.get(f"/api/v1/work/{aid}/ui", headers=other).status_code == 404
    assert client.get("/api/v1/work/999999/ui", headers=lab).status_code == 404
    assert client.get(f"/api/v1/work/{aid}/ui", headers=acme).status_code == 401
    assert client.get(f"/api/v1/work/{aid}/ui").status_code == 401
    with deps.engine.begin() as conn:  # the lease ran out (the sweep has not returned it yet)
        conn.execute(update(Assignment).where(Assignment.id == aid)
                     .values(expires_at=deps.clock.now().replace(year=2000)))
    expired = client.get(f"/api/v1/work/{aid}/ui", headers=lab)
    assert expired.status_code == 409 and error_of(expired)["field"] == "assignment_id"
    with deps.engine.begin() as conn:
        conn.execute(update(Assignment).where(Assignment.id == aid).values(expires_at=deps.clock.now()
                                                                           .replace(year=2999)))
    assert client.get(f"/api/v1/work/{aid}/ui", headers=lab).status_code == 200
    assert client.post(f"/api/v1/work/{aid}/submit", headers=lab,
                       json={"answer": {"crowd-image-classifier": {"label": "cat"}}}).status_code == 200
    assert client.get(f"/api/v1/work/{aid}/ui", headers=lab).status_code == 409


def test_a_declined_task_has_no_page(client: FlaskClient, acme: Headers, deps: Deps, staff: tuple[int, int],
                                     tmp_path: Path) -> None:
    lab, task, _ = leased(client, acme, deps, staff, tmp_path, "text-classification")
    client.post(f"/api/v1/work/{task['assignment_id']}/decline", headers=lab)
    assert client.get(f"/api/v1/work/{task['assignment_id']}/ui", headers=lab).status_code == 409


# ------------------------------------------------------------------------------------- create job and the preview

def test_a_custom_template_with_a_syntax_error_is_a_400_naming_the_field(
        client: FlaskClient, acme: Headers, staff: tuple[int, int], manifest: str) -> None:
    response = client.post("/api/v1/jobs", headers=acme, json=job_body(
        staff[1], manifest, ui_template="<crowd-form>\n  {% if task.input.x %}\n</crowd-form>\n{{ x | nope }}"))
    assert response.status_code == 400
    error = error_of(response)
    assert error["field"] == "ui_template" and "line" in error["message"]
    too_long = client.post("/api/v1/jobs", headers=acme,
                           json=job_body(staff[1], manifest, ui_template="x" * 128_001))
    assert too_long.status_code == 422 and error_of(too_long)["field"] == "body.ui_template"


EXAMPLE_ERRORS = [
    pytest.param({"kind": "good", "explanation": "x"}, "body.instructions.examples.0", id="no-text-or-image"),
    pytest.param({"kind": "good", "text": "t", "source_ref": "s3://b/k.png", "explanation": "x"},
                 "body.instructions.examples.0", id="text-and-image"),
    pytest.param({"kind": "fine", "text": "t", "explanation": "x"}, "body.instructions.examples.0.kind",
                 id="bad-kind"),
    pytest.param({"kind": "good", "text": "t", "explanation": "x" * 2001},
                 "body.instructions.examples.0.explanation", id="long-explanation"),
    pytest.param({"kind": "good", "text": "t"}, "body.instructions.examples.0.explanation", id="no-explanation"),
    pytest.param({"kind": "good", "source_ref": "ftp://h/x.png", "explanation": "x"},
                 "body.instructions.examples.0.source_ref", id="ftp-image"),
    pytest.param({"kind": "good", "text": "t", "label": "maybe", "explanation": "x"},
                 "instructions.examples[0].label", id="unknown-label"),
    pytest.param({"kind": "bad", "source_ref": "file:///nowhere/x.png", "explanation": "x"},
                 "instructions.examples[0].source_ref", id="unreadable-image"),
]


@pytest.mark.parametrize(("example", "field"), EXAMPLE_ERRORS)
def test_bad_examples_are_refused_naming_the_member(client: FlaskClient, acme: Headers, staff: tuple[int, int],
                                                    manifest: str, example: dict[str, Any], field: str) -> None:
    response = client.post("/api/v1/jobs", headers=acme, json=job_body(
        staff[1], manifest, instructions={"short": "s", "examples": [example]}))
    assert response.status_code == 422, response.json
    assert error_of(response)["field"] == field


def test_too_many_examples_are_refused(client: FlaskClient, acme: Headers, staff: tuple[int, int],
                                       manifest: str) -> None:
    examples = [{"kind": "good", "text": f"t{i}", "explanation": "x"} for i in range(21)]
    response = client.post("/api/v1/jobs", headers=acme, json=job_body(staff[1], manifest,
                                                                        instructions={"examples": examples}))
    assert response.status_code == 422 and error_of(response)["field"] == "body.instructions.examples"


def test_the_job_view_shows_instructions_examples_and_the_template_kind(
        client: FlaskClient, acme: Headers, staff: tuple[int, int], manifest: str) -> None:
    examples = [{"kind": "good", "text": "great food", "label": "positive", "explanation": "praise"}]
    job = create_job(client, acme, job_body(staff[1], manifest, instructions={
        "short": "s", "full": "f", "examples": examples}))
    assert job["instructions"] == {"short": "s", "full": "f", "examples": examples}
    assert job["custom_template"] is False
    again = client.get(f"/api/v1/jobs/{job['id']}", headers=acme).json
    assert again["instructions"]["examples"] == examples


def test_the_preview_renders_a_template_with_a_sample_line(client: FlaskClient, acme: Headers,
                                                           tmp_path: Path) -> None:
    src = image(tmp_path, "p.png")
    response = client.post("/api/v1/templates/render", headers=acme, json={
        "template": (REFERENCE_DIR / "datasets/groundtruth_manifests/image-classification/templates/"
                     "image-classification.liquid.html").read_text(), "input": {"source-ref": src}})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = assert_document(response.get_data(as_text=True))
    assert_signed(client, page.one("crowd-image-classifier")["src"], src)
    builtin = client.post("/api/v1/templates/render", headers=acme, json={
        "task_type": "text-classification", "input": {"source": "hi", "labels": ["a", "b"]}})
    assert Page(builtin.get_data(as_text=True)).text("classification-target") == "hi"
    broken = client.post("/api/v1/templates/render", headers=acme, json={"template": "{{ x | nope }}"})
    assert broken.status_code == 400 and error_of(broken)["field"] == "template"
    runaway = client.post("/api/v1/templates/render", headers=acme, json={
        "template": "{% for i in (1..1000000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}"})
    assert runaway.status_code == 400 and error_of(runaway)["field"] == "template"
    neither = client.post("/api/v1/templates/render", headers=acme, json={"input": {}})
    assert neither.status_code == 422
    lab_only = client.post("/api/v1/templates/render", json={"template": "x"})
    assert lab_only.status_code == 401


def test_an_image_example_reaches_the_page_as_a_signed_png(client: FlaskClient, acme: Headers, deps: Deps,
                                                           staff: tuple[int, int], tmp_path: Path) -> None:
    example = image(tmp_path, "ex.png", (5, 4))
    lab, task, _ = leased(client, acme, deps, staff, tmp_path, "bounding-box", instructions={
        "examples": [{"kind": "bad", "source_ref": example, "explanation": "box too loose"}]})
    page = ui(client, lab, task)
    url = urlparse(page.one("img")["src"])
    data = client.get(f"{url.path}?{url.query}").data
    assert Image.open(io.BytesIO(data)).size == (5, 4)


def test_a_template_can_render_the_built_in_partials_and_no_other_file() -> None:
    from liquid.exceptions import TemplateNotFoundError

    html = task_ui.ENV.from_string("{% render 'examples', examples: ex %}").render(
        ex=[{"kind": "bad", "text": "a <dog>", "explanation": "not a cat"}])
    assert "<negative-example>" in html and "a &lt;dog&gt;" in html
    for source in ("{% render '../bounding-box' %}", "{% include '/etc/passwd' %}", "{% render '../../pages.py' %}"):
        with pytest.raises(TemplateNotFoundError):
            task_ui.ENV.from_string(source).render()
