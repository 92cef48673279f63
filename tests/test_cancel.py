"""Cancel, timeouts and crashes under a Receptor-like work-command: final status, artifacts, eof, no leftovers."""

from __future__ import annotations

import json
import signal
import time
import uuid

import pytest

from receptor_standin import WorkUnit, processes_with_marker
from streams import FTL2_RUNNER, make_data_dir, parse_stream, process, transmit, worker_env

LONG_JOB = """
import asyncio, subprocess
async def run(inventory_path, extravars, runner):
    # A child that leaves the job's process group, as daemonising tools do.
    subprocess.Popen(["sleep", "600"], start_new_session=True)
    async with runner.automation() as ftl:
        await ftl.localhost.command(cmd="echo started")
        await ftl.localhost.command(cmd="sleep 600")
    return 0
"""


def _start(tmp_path, script, env_files=None, marker=None):
    marker = marker or uuid.uuid4().hex
    files = {"envvars": json.dumps({"FTL2_TEST_MARKER": marker})}
    files.update(env_files or {})
    pdd = make_data_dir(tmp_path, script, env_files=files)
    payload = transmit(pdd, "-p", "job.py", "-i", "cancelme")
    unit = WorkUnit(tmp_path / "unit", FTL2_RUNNER, f"worker --private-data-dir={tmp_path / 'w'} --delete",
                    payload, env=worker_env())
    return unit, marker


def _wait_for(unit, needle: bytes, timeout: float = 60, count: int = 1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if unit.results().count(needle) >= count:
            return
        if unit.process.poll() is not None:
            raise AssertionError(f"worker exited early: {unit.results()[-2000:]!r}")
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} never appeared")


def _assert_clean_end(unit, marker, tmp_path, expected_status):
    lines = parse_stream(unit.results())
    statuses = [line["status"] for line in lines if "status" in line]
    assert statuses[-1] == expected_status, statuses
    assert "zipfile" in lines[-2] and lines[-1]["eof"] is True
    assert process(unit.results(), tmp_path / "controller", "cancelme").status == expected_status
    deadline = time.monotonic() + 5
    while processes_with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with_marker(marker) == [], "processes of the job are still running"
    assert not (tmp_path / "w").exists()  # --delete also applies on cancel


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_cancel_kills_the_whole_job_within_10s(tmp_path, signum):
    unit, marker = _start(tmp_path, LONG_JOB)
    _wait_for(unit, b'"runner_on_start"', count=2)  # the long task has started
    time.sleep(0.5)
    start = time.monotonic()
    if signum == signal.SIGINT:
        unit.cancel()
    else:
        unit.process.send_signal(signum)
        unit.wait(15)
    elapsed = time.monotonic() - start
    assert elapsed < 10, f"cancel took {elapsed:.1f}s"
    assert unit.process.returncode == 254
    _assert_clean_end(unit, marker, tmp_path, "canceled")


def test_job_timeout_kills_the_whole_job(tmp_path):
    unit, marker = _start(tmp_path, LONG_JOB, env_files={"settings": json.dumps({"job_timeout": 3, "pexpect_timeout": 1})})
    unit.wait(60)
    _assert_clean_end(unit, marker, tmp_path, "timeout")


def test_idle_timeout(tmp_path):
    unit, marker = _start(tmp_path, LONG_JOB, env_files={"settings": json.dumps({"idle_timeout": 3, "pexpect_timeout": 1})})
    unit.wait(60)
    _assert_clean_end(unit, marker, tmp_path, "timeout")


def test_late_sigint_after_eof_is_harmless(tmp_path):
    script = """
    async def run(inventory_path, extravars, runner):
        return 0
    """
    unit, marker = _start(tmp_path, script)
    _wait_for(unit, b'{"eof": true}')
    try:
        unit.process.send_signal(signal.SIGINT)
    except ProcessLookupError:
        pass
    rc = unit.wait(30)
    assert rc == 0
    assert [line["status"] for line in parse_stream(unit.results()) if "status" in line][-1] == "successful"
    assert unit.status().state == "Succeeded"


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("import os\n    os._exit(3)", ["executor ended without finishing"]),
        ("import os, signal\n    os.kill(os.getpid(), signal.SIGKILL)", ["executor ended without finishing"]),
        ("import ctypes\n    ctypes.string_at(0)", ["Segmentation fault", "executor ended without finishing"]),
    ],
    ids=["os-exit", "sigkill", "segfault"],
)
def test_executor_death_is_a_failed_job_with_an_explanation(tmp_path, body, words):
    script = f"""
async def run(inventory_path, extravars, runner):
    {body}
"""
    unit, marker = _start(tmp_path, script)
    unit.wait(60)
    lines = parse_stream(unit.results())
    assert [line["status"] for line in lines if "status" in line][-1] == "failed"
    assert lines[-1]["eof"] is True
    text = "\n".join(line.get("stdout", "") for line in lines if "event" in line)
    for word in words:
        assert word in text
    from awx_receiver import check_stream

    check_stream(unit.results())
