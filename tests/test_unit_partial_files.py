"""Partial event files on reused inodes, read by upstream's own ``Runner.event_callback`` (unit tier)."""

from __future__ import annotations

import io
import json
import os
from types import SimpleNamespace

import pytest
from ansible_runner.runner import Runner
from ansible_runner.utils import OutputEventFilter

from ftl2_runner.executor.display import partial_files
from ftl2_runner.executor.display.partial_files import SLOT_DIR_NAME, PartialFileWriter, remove_slots
from ftl2_runner.executor.display.protocol import DisplayChannel


def _verbose(uuid: str, text: str) -> dict:
    return {"event": "verbose", "pid": 7, "uuid": uuid, "created": "2026-01-01T00:00:00+00:00", "event_data": {"text": text, "uuid": uuid}}


class _Job:
    """A channel writing to a pipe, and upstream's filter + Runner reading what it wrote so far."""

    def __init__(self, artifact_dir):
        self.artifact_dir = artifact_dir
        self.read_fd, write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        self.channel = DisplayChannel(write_fd, str(artifact_dir / "job_events"))
        self.events: list[dict] = []
        config = SimpleNamespace(artifact_dir=str(artifact_dir), ident="job-1", check_job_event_data=False)
        runner = Runner(config, event_handler=self.events.append)
        self.filter = OutputEventFilter(io.StringIO(), runner.event_callback, suppress_ansible_output=True)

    def read(self) -> None:
        data = b""
        while True:
            try:
                chunk = os.read(self.read_fd, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                break
            data += chunk
        self.filter.write(data.decode().replace("\n", "\r\n"))

    def slots(self) -> list[str]:
        slot_dir = self.artifact_dir / "job_events" / SLOT_DIR_NAME
        return sorted(os.listdir(slot_dir)) if slot_dir.exists() else []


def test_runner_reads_every_event_from_a_few_reused_files(tmp_path):
    job = _Job(tmp_path / "a")
    for index in range(40):
        job.channel.emit(_verbose(f"v-{index}", "x" * (index % 7) * 50), f"line {index}")
        if index % 4 == 3:  # Runner catches up every four events, as it does between its reads
            job.read()
    job.read()
    assert [(e["uuid"], e["event_data"]["uuid"], e["stdout"]) for e in job.events] == [(f"v-{i}", f"v-{i}", f"line {i}") for i in range(40)]
    assert [e["event_data"]["text"] for e in job.events] == ["x" * (i % 7) * 50 for i in range(40)]  # shorter after longer
    assert len(job.slots()) == 4  # what Runner had not read yet, not one per event
    assert not list((tmp_path / "a" / "job_events").glob("*-partial.json"))  # Runner removed every name
    job.channel.close()
    assert os.listdir(tmp_path / "a" / "job_events") == []


def test_a_slot_is_not_rewritten_before_runner_removed_its_name(tmp_path):
    job = _Job(tmp_path / "b")
    for index in range(5):
        job.channel.emit(_verbose(f"w-{index}", f"data {index}"), None)
    # Nothing read yet: five names, five different inodes, each with its own event.
    names = sorted((tmp_path / "b" / "job_events").glob("*-partial.json"))
    assert len({path.stat().st_ino for path in names}) == 5
    assert [json.loads(path.read_text())["event_data"]["text"] for path in names] == [f"data {i}" for i in range(5)]
    assert all(oct(path.stat().st_mode & 0o777) == "0o600" for path in names)
    job.read()
    assert [e["event_data"]["text"] for e in job.events] == [f"data {i}" for i in range(5)]


def test_the_slots_closed_at_the_end_leave_unread_files_readable(tmp_path):
    job = _Job(tmp_path / "c")
    job.channel.emit(_verbose("late-1", "still there"), "late")
    job.channel.close()  # the executor exits before the worker has read the last event
    assert job.slots() == []
    job.read()
    assert [(e["uuid"], e["event_data"]["text"]) for e in job.events] == [("late-1", "still there")]
    job.channel.emit(_verbose("after-1", "created"), "after")  # a line forwarded after close: a plain file
    job.read()
    assert [e["uuid"] for e in job.events] == ["late-1", "after-1"] and job.slots() == []


def test_files_are_created_when_links_fail(tmp_path, monkeypatch):
    def no_links(*args):
        raise PermissionError("no hard links on this filesystem")

    monkeypatch.setattr(os, "link", no_links)
    writer = PartialFileWriter(str(tmp_path))
    writer.write("e-1-partial.json", b'{"a": 1}')
    writer.write("e-2-partial.json", b'{"a": 2}')
    assert sorted(os.listdir(tmp_path)) == ["e-1-partial.json", "e-2-partial.json"]  # no slot directory left
    assert (tmp_path / "e-2-partial.json").read_bytes() == b'{"a": 2}'


def test_files_are_created_beyond_the_unread_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(partial_files, "MAX_SLOTS", 2)
    writer = PartialFileWriter(str(tmp_path))
    for index in range(4):
        writer.write(f"e-{index}-partial.json", f'{{"i": {index}}}'.encode())
    inodes = {(tmp_path / f"e-{i}-partial.json").stat().st_nlink for i in range(4)}
    assert inodes == {1, 2}  # two on slots (a second name), two created
    assert [json.loads((tmp_path / f"e-{i}-partial.json").read_text())["i"] for i in range(4)] == [0, 1, 2, 3]
    assert len(os.listdir(tmp_path / SLOT_DIR_NAME)) == 2
    writer.close()


@pytest.mark.parametrize("present", [True, False])
def test_remove_slots_clears_what_a_killed_executor_left(tmp_path, present):
    if present:
        PartialFileWriter(str(tmp_path)).write("e-1-partial.json", b"{}")  # never closed
    remove_slots(str(tmp_path))
    assert os.listdir(tmp_path) == (["e-1-partial.json"] if present else [])
