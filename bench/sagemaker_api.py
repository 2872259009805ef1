"""SageMaker front door benchmark: what speaking AWS's protocol costs. The same question asked through an
unmodified boto3 client (SigV4 signed and verified, checked against botocore's model, epoch timestamps) and through
Groundwork's REST API (bearer token) against one server (gunicorn, two workers, SQLite, moto's S3 server on
loopback as the blob store), in the same run: CreateLabelingJob against POST /api/v1/jobs, DescribeLabelingJob
against GET /api/v1/jobs/<name>, and ListLabelingJobs (100 a page) against GET /api/v1/jobs?limit=100.

    .venv/bin/python bench/sagemaker_api.py [--calls 200] [--jobs 100]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import boto3  # noqa: E402
import requests  # noqa: E402
from botocore.config import Config  # noqa: E402

from demo.processes import create_key, groundwork_env, migrate, start_api, start_worker, stop  # noqa: E402
from tests.support.services import s3_server  # noqa: E402

REGION = "us-east-1"


def timed(call: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return sorted(out)


def pct(samples: list[float], q: float) -> float:
    return samples[min(len(samples) - 1, int(q * len(samples)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=100)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="gw-bench-sm-"))
    with s3_server("bench") as endpoint:
        return run(args, root, endpoint)


def run(args: argparse.Namespace, root: Path, endpoint: str) -> int:
    env = groundwork_env(root / "data", GW_REGION=REGION, GW_S3_ENDPOINT_URL=endpoint, GW_BLOB_URL="s3://bench/gw")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing",
                      aws_secret_access_key="testing")

    def put(key: str, text: str) -> str:
        s3.put_object(Bucket="bench", Key=key, Body=text.encode())
        return f"s3://bench/{key}"

    migrate(env)
    key = create_key(env, "bench")
    api, url = start_api(env, workers=2, log=root / "api.log")
    worker = start_worker(env, log=root / "worker.log")
    try:
        rest = requests.Session()
        rest.headers["Authorization"] = f"Bearer {key}"
        pair = rest.post(url + "/api/v1/access-keys").json()
        sm = boto3.client("sagemaker", region_name=REGION, endpoint_url=url,
                          config=Config(retries={"max_attempts": 1}), aws_access_key_id=pair["access_key_id"],
                          aws_secret_access_key=pair["secret_access_key"])
        team_arn = sm.create_workteam(WorkteamName="bench-team", Description="bench", MemberDefinitions=[
            {"OidcMemberDefinition": {"Groups": ["g"]}}])["WorkteamArn"]
        teams = rest.get(url + "/api/v1/workteams").json()["items"]
        team_id = next(t["id"] for t in teams if t["name"] == "bench-team")
        manifest = put("in.manifest", "".join(json.dumps({"source": f"review {i}"}) + "\n" for i in range(10)))
        labels = put("labels.json", json.dumps({"document-version": "2018-11-28",
                                                "labels": [{"label": "neg"}, {"label": "pos"}]}))
        template = put("ui.liquid.html", '<crowd-form><crowd-classifier name="label" header="Sentiment" '
                       'categories="{{ task.input.labels | to_json | escape }}">'
                       '<classification-target>{{ task.input.taskObject }}</classification-target>'
                       '</crowd-classifier></crowd-form>')
        pre = f"arn:aws:lambda:{REGION}:432418664414:function:PRE-TextMultiClass"
        counter = iter(range(10**6))

        def create_boto3() -> None:
            sm.create_labeling_job(
                LabelingJobName=f"sm-{next(counter)}", LabelAttributeName="label",
                InputConfig={"DataSource": {"S3DataSource": {"ManifestS3Uri": manifest}}},
                OutputConfig={"S3OutputPath": "s3://bench/out"}, RoleArn="arn:aws:iam::123456789012:role/gt",
                LabelCategoryConfigS3Uri=labels,
                HumanTaskConfig={"WorkteamArn": team_arn, "UiConfig": {"UiTemplateS3Uri": template},
                    "PreHumanTaskLambdaArn": pre, "TaskTitle": "t", "TaskDescription": "d",
                    "NumberOfHumanWorkersPerDataObject": 3, "TaskTimeLimitInSeconds": 300})

        def create_rest() -> None:
            r = rest.post(url + "/api/v1/jobs", json={
                "name": f"rest-{next(counter)}", "task_type": "text-classification", "label_attribute_name": "label",
                "label_category_config_uri": labels, "manifest_uri": manifest,
                "output_uri": "s3://bench/out", "workteam_id": team_id, "title": "t"})
            assert r.status_code == 201, r.text

        creates = max(1, args.jobs // 2)
        rows = [("CreateLabelingJob", timed(create_boto3, creates), "POST /api/v1/jobs", timed(create_rest, creates))]
        name = "rest-" + str(creates)  # a REST job: the SageMaker door describes it too
        rows.append(("DescribeLabelingJob", timed(lambda: sm.describe_labeling_job(LabelingJobName=name), args.calls),
                     "GET /api/v1/jobs/<name>", timed(lambda: rest.get(f"{url}/api/v1/jobs/{name}"), args.calls)))
        listed = max(1, args.calls // 10)
        rows.append(("ListLabelingJobs (100)", timed(lambda: sm.list_labeling_jobs(MaxResults=100), listed),
                     "GET /api/v1/jobs?limit=100", timed(lambda: rest.get(url + "/api/v1/jobs?limit=100"), listed)))
        print(f"{'boto3 operation':<24} {'p50 ms':>8} {'p99 ms':>8}   {'REST baseline':<28} {'p50 ms':>8} "
              f"{'p99 ms':>8}   p50 ratio")
        for op, ours, base_name, base in rows:
            print(f"{op:<24} {pct(ours, .5):8.1f} {pct(ours, .99):8.1f}   {base_name:<28} {pct(base, .5):8.1f} "
                  f"{pct(base, .99):8.1f}   {pct(ours, .5) / pct(base, .5):.2f}")
    finally:
        stop(worker)
        stop(api)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
