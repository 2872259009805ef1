"""The REST front door for automated labeling: settings checked with the field named, the pool state visible,
and the job view's `automated_labeling` block before any round has run."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from shared.bootstrap import Deps
from tests.helpers import drain
from tests.unit.api.test_validation_and_access import Headers, create_job, error_of, job_body


@pytest.mark.parametrize(("overrides", "field"), [
    ({"task_type": "text-classification-multilabel"}, "automated_labeling"),
    ({"automated_labeling": {"batch_size": 50}, "max_concurrent_task_count": 10}, "automated_labeling.batch_size"),
    ({"automated_labeling": {"initial_model_uri": "file:///nowhere/model.pt"}},
     "automated_labeling.initial_model_uri"),
    ({"automated_labeling": {"target_accuracy": 1.2}}, "body.automated_labeling.target_accuracy"),
    ({"automated_labeling": {"strategy": "random"}}, "body.automated_labeling.strategy"),
    ({"automated_labeling": {"validation_share": 0}}, "body.automated_labeling.validation_share"),
    ({"automated_labeling": {"max_percentage_of_input_dataset_labeled": 101}},
     "body.automated_labeling.max_percentage_of_input_dataset_labeled"),
])
def test_bad_settings_are_refused_with_the_field_named(client: FlaskClient, acme: Headers, staff: tuple[int, int],
                                                       manifest: str, overrides: dict[str, Any], field: str) -> None:
    body = job_body(staff[1], manifest, **{"automated_labeling": {}, **overrides})
    made = client.post("/api/v1/jobs", json=body, headers=acme)
    assert made.status_code in (400, 422), made.json
    assert error_of(made)["field"] == field, made.json


def test_a_job_with_automated_labeling_pools_its_objects_and_reports_its_settings(
        client: FlaskClient, acme: Headers, deps: Deps, staff: tuple[int, int], manifest: str) -> None:
    job = create_job(client, acme, job_body(staff[1], manifest, automated_labeling={
        "target_accuracy": 0.9, "max_human_labeled_object_count": 500}))
    drain(deps)
    view = client.get(f"/api/v1/jobs/{job['id']}", headers=acme).json
    report = view["automated_labeling"]
    assert report["settings"]["target_accuracy"] == 0.9 and report["settings"]["confidence"] == 0.95
    assert report["settings"]["max_human_labeled"] == 500
    assert report["rounds"] == [] and report["machine_labeled"] == 0
    assert report["audit"]["items"] == 0 and report["audit"]["verdict"] == "no audit yet"
    assert set(view["objects_by_state"]) == {"pool"}
    pooled = client.get(f"/api/v1/jobs/{job['id']}/objects?state=pool", headers=acme).json["items"]
    assert pooled and all(o["state"] == "pool" for o in pooled)
    plain = create_job(client, acme, job_body(staff[1], manifest, name="plain"))
    assert plain["automated_labeling"] is None
