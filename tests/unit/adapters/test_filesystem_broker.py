"""The embedded broker's message files appear whole: a consumer never lists a message that is still being
written (kombu's own transport creates the file first and writes it after, and a worker polling in between dies
on an empty message)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection

from shared import filesystem_broker


def test_a_message_is_visible_only_once_it_is_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    filesystem_broker.install()
    before_rename: list[tuple[list[str], bytes]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        before_rename.append((sorted(os.listdir(tmp_path)), Path(src).read_bytes()))
        real_replace(src, dst)

    monkeypatch.setattr(filesystem_broker.os, "replace", spy)
    options: dict[str, Any] = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path),
                               "control_folder": str(tmp_path / "control"), "store_processed": False}
    (tmp_path / "control").mkdir()
    with Connection("filesystem://", transport_options=options) as conn:
        assert isinstance(conn.transport, filesystem_broker.Transport)
        queue = conn.SimpleQueue("gw.dispatch")
        queue.put({"job_id": 7})
        listed, content = before_rename[0]
        assert [n for n in listed if n.endswith(".msg")] == []  # nothing a consumer would take yet
        assert json.loads(content)["body"]  # the partial file already holds the whole message
        message = queue.get(timeout=1)
        assert message.payload == {"job_id": 7}
        message.ack()
        queue.close()
    assert len(before_rename) == 1
    assert [n for n in os.listdir(tmp_path) if n.endswith((".msg", ".partial"))] == []
