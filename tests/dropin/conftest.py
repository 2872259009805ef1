"""The boto3 drop-in, tested the way a Ground Truth user meets it: unmodified boto3 clients (`sagemaker`,
`sagemaker-a2i-runtime`, `s3`) pointed at a live Groundwork (gunicorn API and Celery worker) whose blob store is
a real S3 server (moto) on loopback. One server for the whole tier; tests use unique names."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from demo.processes import create_key, groundwork_env, migrate, start_api, start_worker, stop
from tests.support.services import s3_server

pytestmark = [pytest.mark.e2e]

REGION = "us-east-1"
BUCKET = "groundwork"
# No retries: a test that provokes an error must see it at once, and a throttled call must not hide a bug.
NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


@dataclass
class DropIn:
    """The running service, a requester (API key and access key pair) and clients signed with that pair."""

    url: str
    s3_endpoint: str
    api_key: str
    access_key_id: str
    secret_access_key: str
    account: str
    data_dir: Path
    _n: int = field(default=0)

    def client(self, service: str = "sagemaker", **overrides: Any) -> Any:
        """A boto3 client for `service` signed with this requester's pair (override any argument)."""
        kwargs: dict[str, Any] = {"region_name": REGION, "endpoint_url": self.url,
                                  "aws_access_key_id": self.access_key_id,
                                  "aws_secret_access_key": self.secret_access_key, "config": NO_RETRIES}
        kwargs.update(overrides)
        return boto3.client(service, **kwargs)

    @property
    def s3(self) -> Any:
        return boto3.client("s3", endpoint_url=self.s3_endpoint, region_name=REGION, aws_access_key_id="testing",
                            aws_secret_access_key="testing")

    def put(self, key: str, data: bytes | str) -> str:
        """Upload to the test bucket; returns the s3:// URI."""
        self.s3.put_object(Bucket=BUCKET, Key=key, Body=data.encode() if isinstance(data, str) else data)
        return f"s3://{BUCKET}/{key}"

    def get(self, uri: str) -> bytes:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        return self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[no-any-return]

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        """Groundwork's own REST API (bearer auth), for what SageMaker's API has no call for (labelers)."""
        headers = kwargs.pop("headers", {})
        headers["Authorization"] = f"Bearer {token or self.api_key}"
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def unique(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}-{self._n}-{int(time.time() * 1000) % 100000}"

    def arn(self, resource: str) -> str:
        return f"arn:aws:sagemaker:{REGION}:{self.account}:{resource}"

    def new_pair(self, api_key: str | None = None) -> tuple[str, str]:
        r = self.api("POST", "/api/v1/access-keys", token=api_key)
        assert r.status_code == 201, r.text
        return r.json()["access_key_id"], r.json()["secret_access_key"]


@pytest.fixture(scope="session")
def dropin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DropIn]:
    root = tmp_path_factory.mktemp("dropin")
    data_dir = root / "data"
    with s3_server(BUCKET) as endpoint:
        env = groundwork_env(data_dir, GW_S3_ENDPOINT_URL=endpoint, GW_REGION=REGION,
                             GW_BLOB_URL=f"s3://{BUCKET}/groundwork", GW_HOOK_MODULES="tests.dropin.hooks")
        migrate(env)
        key = create_key(env, "boto3-user")
        api, url = start_api(env, workers=2, log=root / "api.log")
        worker = start_worker(env, log=root / "worker.log")
        try:
            pair = requests.post(url + "/api/v1/access-keys", headers={"Authorization": f"Bearer {key}"}, timeout=30)
            assert pair.status_code == 201, pair.text
            body = pair.json()
            yield DropIn(url=url, s3_endpoint=endpoint, api_key=key, access_key_id=body["access_key_id"],
                         secret_access_key=body["secret_access_key"], account=body["account_id"],
                         data_dir=data_dir)
        finally:
            stop(worker)
            stop(api)


@pytest.fixture(scope="session")
def other_requester(dropin: DropIn) -> DropIn:
    """A second requester on the same server, with its own API key and pair (isolation tests)."""
    env = groundwork_env(dropin.data_dir)
    key = create_key(env, "someone-else")
    access, secret = dropin.new_pair(key)
    account = dropin.api("POST", "/api/v1/access-keys", token=key).json()["account_id"]
    return DropIn(url=dropin.url, s3_endpoint=dropin.s3_endpoint, api_key=key, access_key_id=access,
                  secret_access_key=secret, account=account, data_dir=dropin.data_dir)
