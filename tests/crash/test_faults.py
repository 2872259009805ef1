"""The fail point itself: armed by Settings, it SIGKILLs its process once, and does nothing otherwise."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from demo.processes import REPO
from shared import faults
from shared.config import from_env

SCRIPT = """
import sys
from shared.bootstrap import build_deps
from shared.config import from_env
from shared.faults import crash_point
from shared.messaging import RecordingTaskQueue

build_deps(from_env(), queue=RecordingTaskQueue())
crash_point(sys.argv[1])
print("survived")
"""


def run_point(tmp_path: Path, armed: str, reached: str) -> subprocess.CompletedProcess[str]:
    env = {"GW_DATA_DIR": str(tmp_path / "var"), "GW_CRASH_AT": armed, "GW_CRASH_MARKER": str(tmp_path / "marker"),
           "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", SCRIPT, reached], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=60)


def test_the_armed_point_kills_its_process_once_and_records_its_pid(tmp_path: Path) -> None:
    first = run_point(tmp_path, "export.mid_write", "export.mid_write")
    assert first.returncode == -signal.SIGKILL and "survived" not in first.stdout
    assert int((tmp_path / "marker").read_text()) > 0
    again = run_point(tmp_path, "export.mid_write", "export.mid_write")
    assert again.returncode == 0 and "survived" in again.stdout


def test_a_point_that_is_not_armed_does_nothing(tmp_path: Path) -> None:
    other = run_point(tmp_path, "export.mid_write", "ingest.mid_chunk")
    assert other.returncode == 0 and "survived" in other.stdout
    assert not (tmp_path / "marker").exists()


def test_arming_a_point_without_a_marker_file_is_refused() -> None:
    with pytest.raises(ValueError, match="GW_CRASH_MARKER"):
        faults.configure("ingest.mid_chunk", "")
    faults.configure("", "")


def test_production_refuses_a_fail_point() -> None:
    env = {"GW_PROFILE": "production", "GW_DATABASE_URL": "postgresql+psycopg://db/gw", "GW_BROKER_URL": "redis://r",
           "GW_BLOB_URL": "s3://bucket/gw", "GW_SECRET_KEY": "s", "GW_CRASH_AT": "ingest.mid_chunk",
           "GW_CRASH_MARKER": "/tmp/m"}
    with pytest.raises(ValueError, match="GW_CRASH_AT"):
        from_env(env)
