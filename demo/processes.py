"""Start Groundwork's own processes (API under gunicorn, Celery worker with beat) the way production does.

Used by `make demo`, the end-to-end and crash tests, and the benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
def wait_for_port(port: int, timeout: float = 30.0, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")
def stop(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after a short grace: some servers ignore SIGTERM."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


BIN = Path(sys.executable).parent


def groundwork_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    """GW_* settings for child processes; defaults are the embedded ones rooted at `data_dir`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GW_")}
    env.update(S3_CREDENTIALS)
    env.update({
        "GW_DATA_DIR": str(data_dir),
        "GW_FILE_ROOTS": str(data_dir.parent),
        "GW_SWEEP_SECONDS": "0.5",
        "GW_REDRIVE_SECONDS": "3",
        "PYTHONPATH": str(REPO),
        "PROMETHEUS_MULTIPROC_DIR": str(data_dir / "prometheus"),
    })
    env.update(overrides)
    Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    return env


def migrate(env: Mapping[str, str]) -> None:
    subprocess.run([str(BIN / "groundwork"), "migrate"], env=dict(env), check=True, cwd=REPO,
                   stdout=subprocess.DEVNULL)


def create_key(env: Mapping[str, str], requester: str = "acme") -> str:
    out = subprocess.run([str(BIN / "groundwork"), "keys", "create", "--requester", requester], env=dict(env),
                         check=True, cwd=REPO, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def start_api(env: Mapping[str, str], workers: int = 2, log: Path | None = None,
              port: int | None = None, host: str = "127.0.0.1") -> tuple[subprocess.Popen[bytes], str]:
    port = port or free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - lives as long as the process
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(REPO / "deploy" / "gunicorn.conf.py"), "-w", str(workers),
         "-b", f"{host}:{port}", "services.api.wsgi:app"],
        env=dict(env), cwd=REPO, stdout=out, stderr=out)
    wait_for_port(port, 60, proc)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=5).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.2)
    stop(proc)
    raise TimeoutError("API did not become healthy")


def start_worker(env: Mapping[str, str], beat: bool = True, log: Path | None = None,
                 concurrency: int = 1, pool: str = "prefork") -> subprocess.Popen[bytes]:
    """`pool="solo"` runs tasks in the worker's own process (crash tests kill that process, not a pool child)."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    args = [str(BIN / "celery"), "-A", "services.worker.celery_app", "worker", "-Q",
            "ingest,dispatch,consolidation,export", "-P", pool, "-c", str(concurrency), "--loglevel=INFO",
            "-n", f"gw-test-{free_port()}@%h"]
    if beat:
        args += ["-B", "-s", str(Path(env["GW_DATA_DIR"]) / "celerybeat-schedule")]
    return subprocess.Popen(args, env=dict(env), cwd=REPO, stdout=out, stderr=out)


def start_trainer(env: Mapping[str, str], log: Path | None = None) -> subprocess.Popen[bytes]:
    """The trainer as production runs it: the training queue only, the solo pool (one process owns the GPU)."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
    args = [str(BIN / "celery"), "-A", "services.trainer.celery_app", "worker", "-Q", "training", "-P", "solo",
            "-c", "1", "--loglevel=INFO", "-n", f"gw-trainer-{free_port()}@%h"]
    return subprocess.Popen(args, env={**env, "HF_HUB_OFFLINE": "1"}, cwd=REPO, stdout=out, stderr=out)


__all__ = ["create_key", "groundwork_env", "migrate", "start_api", "start_trainer", "start_worker", "stop",
           "wait_for_port"]
