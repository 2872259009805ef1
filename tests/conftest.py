"""Fixtures shared by every tier: settings on tmp_path, a migrated SQLite database, Deps with a recording queue."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.bootstrap import Deps, build_deps
from shared.config import Settings
from shared.messaging import RecordingTaskQueue
from shared.persistence.migrate import upgrade

REFERENCE_DIR = Path(os.environ.get("GW_REFERENCE_DIR", Path(__file__).resolve().parents[1].parent / "shared"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", file_roots=(tmp_path,), sweep_seconds=0.5, redrive_seconds=2)


@pytest.fixture
def deps(settings: Settings) -> Iterator[Deps]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    d = build_deps(settings, queue=RecordingTaskQueue())
    yield d
    d.engine.dispose()
