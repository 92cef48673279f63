"""Faults of the execution node: a full disk, a reused data dir with a FIFO where the executor writes."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import time
import uuid

import pytest
from receptor_standin import processes_with_marker
from streams import FTL2_RUNNER, make_data_dir, parse_stream, transmit, worker_env


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MiB tmpfs (root only: ``mount -t tmpfs``), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


FILL_THE_DISK = """
import os
async def run(inventory_path, extravars, runner):
    filler = os.path.join(os.environ["AWX_ISOLATED_DATA_DIR"], "..", "..", "filler")
    try:
        with open(filler, "wb") as handle:
            while True:
                handle.write(b"x" * 65536)
    except OSError:
        pass
    {then}
    return 0
"""

THEN = {
    # every printed line is a verbose event, which needs a partial file (the capture thread writes it)
    "printed-lines": 'for i in range(2000):\n        print("line", i, "x" * 100, flush=True)',
    # a result too large for its marker needs a partial file (the job's own thread writes it)
    "large-result": 'async with runner.automation() as ftl:\n        await ftl.localhost.command(cmd="seq 1 4000")',
}


@pytest.mark.parametrize("then", sorted(THEN))
def test_a_full_disk_ends_the_job_with_a_reason_and_eof(tmp_path, small_disk, then):
    """ENOSPC where the job's events are written: a final status with the reason and eof, no hang,
    nothing on stderr, no process of the job left."""
    marker = uuid.uuid4().hex
    script = textwrap.dedent(FILL_THE_DISK).replace("{then}", THEN[then])
    pdd = make_data_dir(tmp_path, script, env_files={"envvars": json.dumps({"RUNNER_TEST_MARKER": marker})})
    payload = transmit(pdd, "-p", "job.py", "-i", "full")
    done = subprocess.run(
        [FTL2_RUNNER, "worker", f"--private-data-dir={small_disk / 'w'}", "--delete"],
        input=payload,
        capture_output=True,
        timeout=120,
        env=worker_env(),
    )
    assert done.stderr == b"", done.stderr[-2000:]
    lines = parse_stream(done.stdout)
    statuses = [line for line in lines if "status" in line]
    assert statuses[-1]["status"] in ("failed", "error"), statuses
    assert lines[-1]["eof"] is True
    said = json.dumps(lines)
    assert "No space left on device" in said, said[-3000:]
    deadline = time.monotonic() + 5
    while processes_with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with_marker(marker) == []


PRINTS = """
async def run(inventory_path, extravars, runner):
    for i in range(20):
        print("printed line", i, flush=True)
    return 0
"""


@pytest.mark.parametrize("what", ["fifo-slots", "fifo-slot-dir", "socket-slot"])
def test_a_fifo_where_the_executor_writes_partial_files_is_replaced(tmp_path, what):
    """A data dir reused without ``--delete``: ``job_events/.ftl2-runner-slots`` (or a slot in it) is a
    FIFO or a socket. The executor never opens it (a FIFO blocked its ``open`` for ever): the slot
    directory is made anew, and the job's printed lines arrive."""
    import socket

    pdd = make_data_dir(tmp_path, PRINTS)
    payload = transmit(pdd, "-p", "job.py", "-i", "reused")
    work = tmp_path / "w"

    def worker():
        return subprocess.run(
            [FTL2_RUNNER, "worker", f"--private-data-dir={work}"], input=payload, capture_output=True, timeout=60, env=worker_env()
        )

    assert parse_stream(worker().stdout)[-3]["status"] == "successful"
    slots = work / "artifacts" / "reused" / "job_events" / ".ftl2-runner-slots"
    assert not slots.exists()  # the executor removes them when it exits
    if what == "fifo-slot-dir":
        os.mkfifo(slots)
    else:
        slots.mkdir()
        for index in range(1, 4):
            if what == "fifo-slots":
                os.mkfifo(slots / str(index))
            else:  # bound where the path is short enough (108 bytes), then moved in
                short = f"/tmp/ftl2-runner-test-{uuid.uuid4().hex[:8]}.sock"
                socket.socket(socket.AF_UNIX).bind(short)
                os.rename(short, slots / str(index))
    done = worker()
    lines = parse_stream(done.stdout)
    assert [line["status"] for line in lines if "status" in line] == ["starting", "running", "successful"]
    assert lines[-1]["eof"] is True
    printed = [line for line in lines if "printed line" in (line.get("stdout") or "")]
    assert len(printed) == 20


# --- after a SIGKILL: nothing of the job outside its data dir, no process of a killed executor's job --


def test_a_worker_killed_while_unpacking_leaves_nothing_in_tmpdir(tmp_path):
    """The decoded zip (with ``env/ssh_key`` in it) and the spool directory live in the data dir:
    a worker SIGKILLed at any moment of the unpacking or the job leaves nothing in ``$TMPDIR``."""
    import signal

    from receptor_standin import WorkUnit

    pdd = make_data_dir(tmp_path, "import asyncio\nasync def run(i, e, runner):\n    await asyncio.sleep(600)\n")
    (pdd / "env" / "ssh_key").parent.mkdir(exist_ok=True)
    (pdd / "env" / "ssh_key").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n")
    (pdd / "project" / "big.bin").write_bytes(os.urandom(48 * 1024 * 1024))  # unpacking takes a while
    payload = transmit(pdd, "-p", "job.py", "-i", "killed")
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    marker = uuid.uuid4().hex
    env = worker_env(TMPDIR=str(tmpdir), RUNNER_TEST_MARKER=marker)
    for index, moment in enumerate(["unpacking", "running"]):
        work = tmp_path / f"w{index}"
        unit = WorkUnit(tmp_path / f"unit{index}", FTL2_RUNNER, f"worker --private-data-dir={work}", payload, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if moment == "unpacking" and (work / "project").exists():
                break  # upstream is extracting (the zip was decoded and checked)
            if moment == "running" and b'"status": "running"' in unit.results():
                break
            time.sleep(0.005)
        else:
            raise AssertionError(f"never reached {moment}")
        os.kill(unit.pid, signal.SIGKILL)  # the worker (the stand-in's command runner is its parent)
        unit.wait(30)
        assert sorted(os.listdir(tmpdir)) == [], (moment, os.listdir(tmpdir))
        assert [p.name for p in work.glob(".ftl2-runner-spool-*")] != [] or moment == "running"  # where it went
        for pid in processes_with_marker(marker):  # the job's executor outlives a SIGKILLed worker (as ansible-playbook)
            os.kill(pid, signal.SIGKILL)


def test_an_executor_killed_by_sigkill_takes_its_tasks_processes_with_it(tmp_path):
    """SIGKILL of the executor (the OOM killer, an operator): `failed`, eof, the crash notice, and the
    task it was running (a long command, in the job's session) is killed too."""
    marker = uuid.uuid4().hex
    script = """
    import os, signal, threading
    async def run(inventory_path, extravars, runner):
        threading.Timer(2.0, lambda: os.kill(os.getpid(), signal.SIGKILL)).start()
        async with runner.automation() as ftl:
            await ftl.localhost.command(cmd="sleep 600")
        return 0
    """
    pdd = make_data_dir(tmp_path, textwrap.dedent(script), env_files={"envvars": json.dumps({"RUNNER_TEST_MARKER": marker})})
    done = subprocess.run(
        [FTL2_RUNNER, "worker", f"--private-data-dir={tmp_path / 'w'}"],
        input=transmit(pdd, "-p", "job.py", "-i", "oom"),
        capture_output=True,
        timeout=120,
        env=worker_env(),
    )
    lines = parse_stream(done.stdout)
    assert [line["status"] for line in lines if "status" in line][-1] == "failed"
    assert lines[-1]["eof"] is True
    assert "executor ended without finishing" in json.dumps(lines)
    deadline = time.monotonic() + 5
    while processes_with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with_marker(marker) == [], "the killed executor's task is still running"


@pytest.mark.parametrize(
    "where", ["artifacts/reused/stdout", "artifacts/reused/command", "artifacts/reused/job_events/1-x.json", "inventory/hosts.json"]
)
def test_a_fifo_where_upstream_writes_in_a_reused_data_dir_is_refused(tmp_path, where):
    """A FIFO (no reader) at a path upstream opens for writing blocked the worker before the job ran,
    for ever: refused with the reason, and eof."""
    pdd = make_data_dir(tmp_path, PRINTS)
    payload = transmit(pdd, "-p", "job.py", "-i", "reused")
    work = tmp_path / "w"

    def worker():
        return subprocess.run(
            [FTL2_RUNNER, "worker", f"--private-data-dir={work}"], input=payload, capture_output=True, timeout=60, env=worker_env()
        )

    assert parse_stream(worker().stdout)[-3]["status"] == "successful"
    target = work / where
    target.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(target)
    lines = parse_stream(worker().stdout)
    assert lines[-2]["status"] == "error" and "is a FIFO" in lines[-2]["job_explanation"], lines[-2]
    assert lines[-1]["eof"] is True
