"""Cancel, timeouts and crashes under a Receptor-like work-command: final status, artifacts, eof, no leftovers.

The jobs run on the default path, the warm executor (ftl2_runner.processes.warm_executor): their marker
variable is not an ``FTL2_*`` one, which would make the job's start-up environment differ from the
worker's and fork a new executor instead, and LONG_JOB prints its executor's command line, which
``_assert_warm`` checks.
"""

from __future__ import annotations

import json
import os
import signal
import textwrap
import time
import uuid

import pytest
from receptor_standin import WorkUnit, processes_with_marker
from streams import FTL2_RUNNER, make_data_dir, parse_stream, process, transmit, worker_env

WARM_EXECUTOR = "-m ftl2_runner.executor.warm"

LONG_JOB = """
import asyncio, subprocess
async def run(inventory_path, extravars, runner):
    # The executor's command line, as ps shows it: the warm one is `-m ftl2_runner.executor.warm N`.
    print("executor:", open("/proc/self/cmdline").read().replace(chr(0), " "), flush=True)
    # A child that leaves the job's process group, as daemonising tools do.
    subprocess.Popen(["sleep", "600"], start_new_session=True)
    async with runner.automation() as ftl:
        await ftl.localhost.command(cmd="echo started")
        await ftl.localhost.command(cmd="sleep 600")
    return 0
"""


def _start(tmp_path, script, env_files=None, marker=None):
    marker = marker or uuid.uuid4().hex
    files = {"envvars": json.dumps({"RUNNER_TEST_MARKER": marker})}
    files.update(env_files or {})
    pdd = make_data_dir(tmp_path, script, env_files=files)
    payload = transmit(pdd, "-p", "job.py", "-i", "cancelme")
    unit = WorkUnit(tmp_path / "unit", FTL2_RUNNER, f"worker --private-data-dir={tmp_path / 'w'} --delete", payload, env=worker_env())
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


def _assert_warm(stream: bytes) -> None:
    """The job ran in the warm executor, the default path (LONG_JOB prints its command line)."""
    said = [e["stdout"] for e in parse_stream(stream) if "event" in e and (e.get("stdout") or "").startswith("executor:")]
    assert said and WARM_EXECUTOR in said[0], said


def _leftovers(marker: str, tmp_path) -> list[int]:
    """The job's processes: its children carry the marker, its executor works in the job's directory."""
    deadline = time.monotonic() + 5
    while (left := processes_with_marker(marker, cwd_under=tmp_path / "w")) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _assert_clean_end(unit, marker, tmp_path, expected_status):
    lines = parse_stream(unit.results())
    statuses = [line["status"] for line in lines if "status" in line]
    assert statuses[-1] == expected_status, statuses
    assert "zipfile" in lines[-2] and lines[-1]["eof"] is True
    assert process(unit.results(), tmp_path / "controller", "cancelme").status == expected_status
    assert _leftovers(marker, tmp_path) == [], "processes of the job are still running"
    assert not (tmp_path / "w").exists()  # --delete also applies on cancel


@pytest.mark.parametrize("how", ["work-cancel", "node-shutdown", "SIGTERM-to-the-worker"])
def test_cancel_kills_the_whole_job_within_10s(tmp_path, how):
    """``work cancel`` (SIGINT to the command runner), a node shutdown (SIGTERM to it: both become
    SIGINT for the worker, SIGKILL 10 s later) and systemd's SIGTERM reaching the worker itself."""
    unit, marker = _start(tmp_path, LONG_JOB)
    _wait_for(unit, b'"runner_on_start"', count=2)  # the long task has started
    _assert_warm(unit.results())
    time.sleep(0.5)
    start = time.monotonic()
    if how == "work-cancel":
        unit.cancel()
        expected = ("Canceled", "Canceled")
    elif how == "node-shutdown":
        unit.shutdown()
        unit.wait(15)
        expected = ("Failed", "Killed")  # what the command runner writes after termThenKill
    else:
        os.kill(unit.pid, signal.SIGTERM)
        unit.wait(15)
        expected = ("Failed", "exit status 254")
    elapsed = time.monotonic() - start
    assert elapsed < 10, f"cancel took {elapsed:.1f}s"
    assert (unit.status().state, unit.status().detail) == expected
    _assert_clean_end(unit, marker, tmp_path, "canceled")


def test_job_timeout_kills_the_whole_job(tmp_path):
    unit, marker = _start(tmp_path, LONG_JOB, env_files={"settings": json.dumps({"job_timeout": 3, "pexpect_timeout": 1})})
    assert unit.wait(60) == 254
    assert (unit.status().state, unit.status().detail) == ("Failed", "exit status 254")
    _assert_warm(unit.results())
    _assert_clean_end(unit, marker, tmp_path, "timeout")


def test_a_killed_executor_leaves_no_partial_file_slots_in_the_artifacts(tmp_path):
    """A printed line is a partial file on a slot (``partial_files``); the kill skips the
    executor's own clean-up, so the worker removes the slots before it zips the artifacts."""
    import base64
    import io
    import zipfile

    from ftl2_runner.executor.display.partial_files import SLOT_DIR_NAME

    printing_job = LONG_JOB.replace("    async with", '    print("a verbose event", flush=True)\n    async with', 1)
    unit, marker = _start(tmp_path, printing_job, env_files={"settings": json.dumps({"job_timeout": 3, "pexpect_timeout": 1})})
    unit.wait(60)
    _assert_clean_end(unit, marker, tmp_path, "timeout")
    lines = unit.results().split(b"\n")
    payload = next(lines[i + 1] for i, line in enumerate(lines) if line.startswith(b'{"zipfile"')).split(b'{"eof": true}')[0]
    names = zipfile.ZipFile(io.BytesIO(base64.b64decode(payload))).namelist()
    assert "job_events/" in names and [name for name in names if SLOT_DIR_NAME in name] == []
    assert b"a verbose event" in unit.results()


def test_idle_timeout(tmp_path):
    unit, marker = _start(tmp_path, LONG_JOB, env_files={"settings": json.dumps({"idle_timeout": 3, "pexpect_timeout": 1})})
    unit.wait(60)
    _assert_warm(unit.results())
    _assert_clean_end(unit, marker, tmp_path, "timeout")


def test_late_sigint_after_eof_is_harmless(tmp_path):
    script = """
    async def run(inventory_path, extravars, runner):
        return 0
    """
    unit, marker = _start(tmp_path, script)
    worker = unit.pid
    _wait_for(unit, b'{"eof": true}')
    try:
        os.kill(worker, signal.SIGINT)
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


# --- a cancel at any moment: while the job arrives, while it is unpacked, while artifacts are zipped --


def _worker_on_a_pipe(tmp_path, env=None):
    """A worker whose stdin is a pipe we feed by hand, so a cancel can land mid-stream."""
    import subprocess

    out = open(tmp_path / "out", "wb")
    proc = subprocess.Popen(
        [FTL2_RUNNER, "worker", f"--private-data-dir={tmp_path / 'w'}", "--delete"],
        stdin=subprocess.PIPE,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=env or worker_env(),
    )
    return proc, out


def _assert_canceled_with_eof(tmp_path, proc, started: float, marker: str | None = None):
    rc = proc.wait(15)
    elapsed = time.monotonic() - started
    data = (tmp_path / "out").read_bytes()
    assert b"Traceback" not in data, data[-2000:]
    lines = parse_stream(data)
    statuses = [line["status"] for line in lines if "status" in line]
    assert statuses and statuses[-1] in ("canceled", "error") and statuses.count(statuses[-1]) == 1, statuses
    assert lines[-1]["eof"] is True
    assert elapsed < 10, f"eof after {elapsed:.1f}s"
    assert rc in (0, 254)
    if marker:
        assert processes_with_marker(marker) == []
    assert not (tmp_path / "w").exists()
    return statuses[-1]


def test_cancel_while_the_job_is_still_arriving(tmp_path):
    pdd = make_data_dir(tmp_path, LONG_JOB)
    payload = transmit(pdd, "-p", "job.py", "-i", "early")
    proc, out = _worker_on_a_pipe(tmp_path)
    proc.stdin.write(payload[: len(payload) // 2])  # the kwargs and half of the zip; no eof yet
    proc.stdin.flush()
    time.sleep(1.0)
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    assert _assert_canceled_with_eof(tmp_path, proc, started) == "canceled"
    proc.stdin.close()
    out.close()


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6, 0.8, 1.2])
def test_a_cancel_storm_during_start_up_always_ends_the_stream(tmp_path, delay):
    """SIGTERM at any moment from start-up to the job running: one final status and eof, every time."""

    pdd = make_data_dir(tmp_path, LONG_JOB)
    (pdd / "project" / "blob.bin").write_bytes(os.urandom(8 * 1024 * 1024))  # unpacking takes a while
    marker = uuid.uuid4().hex
    payload = transmit(pdd, "-p", "job.py", "-i", "storm")
    proc, out = _worker_on_a_pipe(tmp_path, env=worker_env(RUNNER_TEST_MARKER=marker))
    proc.stdin.write(payload)
    proc.stdin.flush()
    time.sleep(delay)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _assert_canceled_with_eof(tmp_path, proc, started, marker)
    proc.stdin.close()
    out.close()


def test_a_large_pexpect_timeout_still_cancels_within_10s(tmp_path):
    unit, marker = _start(tmp_path, LONG_JOB, env_files={"settings": json.dumps({"pexpect_timeout": 30})})
    _wait_for(unit, b'"runner_on_start"', count=2)
    _assert_warm(unit.results())
    elapsed = unit.cancel()
    assert elapsed < 10, f"cancel took {elapsed:.1f}s (a SIGKILL after 10 s means no eof)"
    _assert_clean_end(unit, marker, tmp_path, "canceled")


def test_a_cancel_during_a_long_artifacts_zip_still_ends_within_10s(tmp_path):
    """The job is done (`successful` is out) and zipping 400 MB of artifacts when the cancel comes."""

    script = """
    import os, subprocess
    async def run(inventory_path, extravars, runner):
        subprocess.Popen(["sleep", "600"], start_new_session=True)  # left running by a finished job
        with open(os.path.join(os.environ["AWX_ISOLATED_DATA_DIR"], "big.bin"), "wb") as handle:
            for _ in range(400):
                handle.write(os.urandom(1024 * 1024))
        return 0
    """
    spool = tmp_path / "tmp"
    spool.mkdir()
    marker = uuid.uuid4().hex
    pdd = make_data_dir(tmp_path, textwrap.dedent(script), env_files={"envvars": json.dumps({"RUNNER_TEST_MARKER": marker})})
    payload = transmit(pdd, "-p", "job.py", "-i", "cancelme")
    unit = WorkUnit(
        tmp_path / "unit", FTL2_RUNNER, f"worker --private-data-dir={tmp_path / 'w'} --delete", payload, env=worker_env(TMPDIR=str(spool))
    )
    _wait_for(unit, b'"status": "successful"', timeout=120)
    time.sleep(0.5)
    elapsed = unit.cancel()
    assert elapsed < 10, f"eof came {elapsed:.1f}s after the cancel"
    lines = parse_stream(unit.results())
    assert [line["status"] for line in lines if "status" in line] == ["starting", "running", "successful"]
    assert lines[-1]["eof"] is True
    assert _leftovers(marker, tmp_path) == []
    assert os.listdir(spool) == [], "a temporary zip was left behind"
    assert not (tmp_path / "w").exists()


# --- processes: zombies reaped while the job runs, the host program's children left alone ----------


def _zombie_children(pid: int) -> int:

    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == b"Z" and int(fields[1]) == pid:
            count += 1
    return count


def test_orphans_that_exit_are_reaped_while_the_job_runs(tmp_path):
    script = """
    import asyncio, subprocess
    async def run(inventory_path, extravars, runner):
        for _ in range(300):  # each `true` outlives its shell and is adopted by the worker (a subreaper)
            subprocess.Popen(["sh", "-c", "true & exit 0"]).wait()
        print("orphans made")
        await asyncio.sleep(4)
        return 0
    """
    unit, marker = _start(tmp_path, script)
    _wait_for(unit, b"orphans made")
    time.sleep(1.5)
    zombies = _zombie_children(unit.pid)
    rc = unit.wait(60)
    assert rc == 0
    assert zombies == 0, f"{zombies} exited orphans are still zombies of the worker"


def test_a_spawn_failure_never_runs_worker_code_in_the_child(tmp_path):
    """A NUL byte in an envvars value, with the warm executor off: the job fails and says why, once."""
    pdd = make_data_dir(tmp_path, "async def run(inventory_path, extravars, runner):\n    return 0\n")
    from streams import pipeline

    (pdd / "env").mkdir()
    (pdd / "env" / "envvars").write_text(json.dumps({"BAD": "a\u0000b"}))
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", env=worker_env(FTL2_RUNNER_WARM_EXECUTOR="0"))
    statuses = [line["status"] for line in run.lines if "status" in line]
    assert statuses == ["starting", "running", "failed"], statuses
    assert "cannot be passed to a process" in run.text()
    assert all('"status"' not in (e.get("stdout") or "") and "eof" not in (e.get("stdout") or "") for e in run.events)
    assert (tmp_path / "worker").exists()  # a child running the worker's clean-up would have deleted it


def test_run_worker_in_a_host_program_leaves_the_hosts_children_alone(tmp_path):
    """A failing job run through the Python API: the host's own child survives, the host is no subreaper after."""
    import subprocess
    import sys

    pdd = make_data_dir(tmp_path, LONG_JOB)
    stream = transmit(pdd, "-p", "job.py", "-i", "api")
    host = f"""
import ctypes, io, os, signal, subprocess, sys, threading, time
from ftl2_runner import run_worker
mine = subprocess.Popen(["sleep", "60"], start_new_session=True)   # the host's own, in its own session
threading.Timer(3.0, lambda: os.kill(os.getpid(), signal.SIGINT)).start()  # cancel the job
out = io.BytesIO()
out.name = "job"
status, rc = run_worker(private_data_dir={str(tmp_path / "w")!r}, _input=open({str(tmp_path / "stream")!r}, "rb"),
                        _output=out)
flag = ctypes.c_int(-1)
ctypes.CDLL(None).prctl(37, ctypes.byref(flag), 0, 0, 0)
print(status, mine.poll(), flag.value, signal.getsignal(signal.SIGINT) is signal.default_int_handler)
mine.kill()
"""
    (tmp_path / "stream").write_bytes(stream)
    done = subprocess.run([sys.executable, "-c", host], capture_output=True, text=True, timeout=120, env=worker_env())
    # canceled; the host's own child still running; the host no subreaper; its SIGINT handler given back
    assert done.stdout.split() == ["canceled", "None", "0", "True"], done.stdout + done.stderr[-2000:]


def test_standin_after_the_end_is_receptors(tmp_path):
    """As real receptor does (tests/test_real_receptor.py): a cancel of a finished unit leaves its
    state, release deletes the unit dir, and a worker killed by a signal is `signal: killed`."""
    script = """
    async def run(inventory_path, extravars, runner):
        return 0
    """
    unit, _ = _start(tmp_path / "done", script)
    unit.wait(60)
    assert unit.cancel() == 0.0
    assert (unit.status().state, unit.status().detail) == ("Succeeded", "exit status 0")
    unit.release()
    assert not unit.unit_dir.exists()

    killed = """
    import os, signal
    async def run(inventory_path, extravars, runner):
        os.kill(os.getppid(), signal.SIGKILL)
        return 0
    """
    unit, _ = _start(tmp_path / "killed", killed)
    unit.wait(60)
    assert (unit.status().state, unit.status().detail) == ("Failed", "signal: killed")


# --- a cancel at any moment after exec, with the whole payload already in a file (as Receptor hands it) --

START_UP_MOMENTS = [round(0.3 * index / 9, 3) for index in range(10)]  # 0 ... 0.3 s after exec


class _ConsoleStarted:
    """The moment a worker opens ``ftl2_runner/processes/warm_executor.py`` or its bytecode (inotify ``IN_OPEN``):
    CPython has finished its own start-up, and the console script starts its work with the warm
    executor. Seen from outside, independently of what the worker does with signals."""

    IN_OPEN = 0x20

    def __init__(self):
        import ctypes
        import os

        from ftl2_runner.processes import warm_executor

        self._libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        package = os.path.dirname(warm_executor.__file__)
        for directory in (package, os.path.join(package, "__pycache__")):
            self._libc.inotify_add_watch(self.fd, os.fsencode(directory), self.IN_OPEN)

    def drain(self) -> None:
        import os

        while True:
            try:
                os.read(self.fd, 65536)
            except BlockingIOError:
                return

    def wait(self, timeout: float = 10.0) -> float:
        """Seconds until the next open of the warm_executor module."""
        import os
        import select
        import struct

        started = time.monotonic()
        while time.monotonic() - started < timeout:
            select.select([self.fd], [], [], 0.05)
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                continue
            offset = 0
            while offset < len(data):
                _wd, _mask, _cookie, length = struct.unpack_from("iIII", data, offset)
                name = data[offset + 16 : offset + 16 + length].rstrip(b"\0")
                offset += 16 + length
                if name.startswith(b"warm_executor."):
                    return time.monotonic() - started
        raise AssertionError(f"the worker did not import ftl2_runner.warm_executor within {timeout} s")

    def close(self) -> None:
        import os

        os.close(self.fd)


class _BusyCores:
    """Both cores busy (a loaded execution node) while the block runs; stopped after it."""

    def __enter__(self):
        import subprocess
        import sys

        self.loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
        return self

    def __exit__(self, *exc):
        for loop in self.loops:
            loop.kill()
            loop.wait()


@pytest.mark.parametrize("loaded", [False, True], ids=["idle", "loaded"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_cancel_at_any_moment_after_exec_ends_the_stream(tmp_path, signum, loaded):
    """Receptor writes the whole payload to the unit's stdin file before it starts the worker, so
    the worker reads it at once; a cancel 0 to 0.3 s after exec (imports, the warm executor's start,
    reading, unpacking, the job's start) ends with one final status and eof, never a traceback."""
    import contextlib

    pdd = make_data_dir(tmp_path, LONG_JOB)
    payload = transmit(pdd, "-p", "job.py", "-i", "moment")
    outcomes = []
    opened = _ConsoleStarted()
    with _BusyCores() if loaded else contextlib.nullcontext(), contextlib.closing(opened):
        for index, delay in enumerate(START_UP_MOMENTS):
            opened.drain()
            marker = uuid.uuid4().hex
            work = tmp_path / f"w{index}"
            unit = WorkUnit(
                tmp_path / f"unit{index}",
                FTL2_RUNNER,
                f"worker --private-data-dir={work} --delete",
                payload,
                env=worker_env(RUNNER_TEST_MARKER=marker),
            )
            started = time.monotonic()
            # CPython's own start-up runs no code of ftl2-runner's: a moment that falls inside it is
            # moved to the moment the console script starts its work (_ConsoleStarted).
            console_after = opened.wait()
            time.sleep(max(0.0, delay - (time.monotonic() - started)))
            os.kill(unit.pid, signum)  # to the worker itself, as Receptor's command runner sends SIGINT
            rc = unit.wait(30)
            data = unit.results()
            assert b"Traceback" not in data, (delay, data[-3000:])
            lines = parse_stream(data)
            statuses = [line["status"] for line in lines if "status" in line]
            assert statuses and statuses[-1] == "canceled" and statuses.count("canceled") == 1, (delay, statuses, data[-2000:])
            assert lines[-1]["eof"] is True, delay
            assert rc == 254, (delay, rc)
            deadline = time.monotonic() + 5
            while processes_with_marker(marker) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert processes_with_marker(marker) == [], (delay, "processes of the job are still running")
            assert not work.exists(), delay
            outcomes.append((delay, round(console_after, 3)))
    assert len(outcomes) == len(START_UP_MOMENTS)
    print("moment, seconds from exec to the console script's start:", outcomes)


def test_run_worker_in_a_host_program_never_reaps_or_kills_the_hosts_new_children(tmp_path):
    """Children the host starts *while* the job runs, in sessions of their own: one that exits keeps its
    real exit code (not reaped under the host's Popen), one still running survives the cancel; the
    job's own escaped process (``start_new_session``) is killed."""
    import subprocess
    import sys

    marker = uuid.uuid4().hex
    pdd = make_data_dir(tmp_path, LONG_JOB, env_files={"envvars": json.dumps({"RUNNER_TEST_MARKER": marker})})
    stream = transmit(pdd, "-p", "job.py", "-i", "api")
    (tmp_path / "stream").write_bytes(stream)
    host = f"""
import io, os, signal, subprocess, threading, time
from ftl2_runner import run_worker
found = {{}}
def host_work():
    time.sleep(1.0)
    found["exits"] = subprocess.Popen(["sh", "-c", "exit 7"], start_new_session=True)
    found["runs"] = subprocess.Popen(["sleep", "60"], start_new_session=True)
    time.sleep(1.5)  # the first is a zombie for a while: a reaper of the worker's would take it
    found["code"] = found["exits"].wait()
    os.kill(os.getpid(), signal.SIGINT)  # then cancel the job
threading.Thread(target=host_work).start()
out = io.BytesIO()
out.name = "job"
status, rc = run_worker(private_data_dir={str(tmp_path / "w")!r}, _input=open({str(tmp_path / "stream")!r}, "rb"), _output=out)
time.sleep(0.5)
print(status, found["code"], found["runs"].poll())
found["runs"].kill()
"""
    done = subprocess.run([sys.executable, "-c", host], capture_output=True, text=True, timeout=120, env=worker_env())
    # canceled; the host's child exited 7 as far as its Popen knows; the other still runs
    assert done.stdout.split() == ["canceled", "7", "None"], done.stdout + done.stderr[-3000:]
    deadline = time.monotonic() + 5
    while processes_with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert processes_with_marker(marker) == [], "the job's own processes are still running"


def _stdout_flags(pid: int) -> int:
    with open(f"/proc/{pid}/fdinfo/1") as handle:
        return int(next(line for line in handle if line.startswith("flags:")).split()[1], 8)


def test_standin_runs_the_worker_as_receptors_command_runner_does(tmp_path):
    """As real receptor 1.4.8 does (tests/test_real_receptor.py checks the same on the mesh): the
    worker is the command runner's child in the runner's session and process group, its stdout and
    stderr are the unit's stdout file opened O_SYNC, and the runner writes receptor's statuses."""
    unit, _ = _start(tmp_path, LONG_JOB)
    _wait_for(unit, b'"runner_on_start"', count=2)
    worker = unit.pid
    assert os.getsid(worker) == os.getpgid(worker) == unit.runner_pid != worker
    flags = _stdout_flags(worker)
    assert flags & os.O_SYNC == os.O_SYNC and flags & os.O_ACCMODE == os.O_WRONLY and not flags & os.O_APPEND
    assert os.path.samefile(f"/proc/{worker}/fd/1", unit.unit_dir / "stdout")
    assert os.path.samefile(f"/proc/{worker}/fd/2", unit.unit_dir / "stdout")
    status = unit.status()
    assert (status.state, status.detail) == ("Running", f"Running: PID {worker}") and status.stdout_size > 0
    unit.cancel()
    assert unit.status().state == "Canceled"


def test_standin_command_runner_sigkills_after_the_grace_and_returns_at_once_after_a_restart(tmp_path):
    """termThenKill: SIGINT to the command's pid, SIGKILL when it is still there after the grace
    (10 s in receptor; 1 s here); and a cancel after a receptor restart does not wait for the runner."""
    deaf = WorkUnit(tmp_path / "deaf", "sh", "-c 'trap \"\" INT; echo ready; exec sleep 60'", b"", grace=1.0)
    deadline = time.monotonic() + 10
    while b"ready" not in deaf.results() and time.monotonic() < deadline:
        time.sleep(0.05)
    sleeper = deaf.pid
    elapsed = deaf.cancel()
    assert 1.0 <= elapsed < 5, elapsed
    assert deaf.process.returncode == 255  # os.Exit(-1) after termThenKill
    time.sleep(0.2)
    assert not os.path.exists(f"/proc/{sleeper}") or open(f"/proc/{sleeper}/stat").read().split(") ")[1][0] == "Z"
    assert (deaf.status().state, deaf.status().detail) == ("Canceled", "Canceled")

    slow = WorkUnit(tmp_path / "slow", "sh", "-c 'trap \"sleep 1; exit 3\" INT; echo ready; while :; do sleep 0.1; done'", b"")
    deadline = time.monotonic() + 10
    while b"ready" not in slow.results() and time.monotonic() < deadline:
        time.sleep(0.05)
    slow.restart()
    assert slow.cancel() < 0.5  # the runner is no longer receptor's child: nothing to wait for
    assert slow.running() and (slow.status().state, slow.status().detail) == ("Canceled", "Canceled")
    assert slow.wait(10) == 255
    status_file = json.loads((slow.unit_dir / "status").read_text())
    assert (status_file["State"], status_file["Detail"]) == (3, "Killed")  # what the runner wrote last
