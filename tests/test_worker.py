"""End to end: transmit | ftl2-runner worker | ansible-runner's Processor, through the console script."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
from streams import make_data_dir, pipeline, process, run_worker, transmit

HELLO = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.localhost.ping()
        with runner.task("say hi"):
            await ftl.localhost.command(cmd="echo hi")
    return 0
"""

FAILING = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.localhost.command(cmd="echo before")
        with runner.task("this fails"):
            await ftl.localhost.command(cmd="echo oops >&2; exit 3")
        await ftl.localhost.command(cmd="echo never")
    return 0
"""

CALLBACK_KEYS = ["uuid", "counter", "stdout", "start_line", "end_line", "runner_ident", "event", "pid", "created"]


def _zip_names(stream: bytes) -> set[str]:
    lines = stream.split(b"\n")
    for index, line in enumerate(lines):
        if line.startswith(b'{"zipfile"'):
            payload = lines[index + 1].split(b'{"eof": true}')[0]
            with zipfile.ZipFile(io.BytesIO(base64.b64decode(payload))) as archive:
                return set(archive.namelist())
    raise AssertionError("no artifacts zip in the stream")


def test_successful_job_round_trip(tmp_path):
    pdd = make_data_dir(tmp_path, HELLO)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")

    assert run.rc == 0
    assert run.stderr == b""
    statuses = [s["status"] for s in run.statuses]
    assert statuses == ["starting", "running", "successful"]
    starting = run.statuses[0]
    assert list(starting) == ["status", "runner_ident", "command", "env", "cwd"]
    assert starting["command"][-1] == "job.py" and "-m" in starting["command"]
    assert starting["env"]["AWX_ISOLATED_DATA_DIR"].endswith(starting["runner_ident"])
    assert starting["cwd"].endswith("/project")

    names = run.event_names()
    assert names == [
        "playbook_on_start",
        "playbook_on_play_start",
        "playbook_on_task_start",
        "runner_on_start",
        "runner_on_ok",
        "playbook_on_task_start",
        "runner_on_start",
        "runner_on_ok",
        "playbook_on_stats",
    ]
    assert [e["counter"] for e in run.events] == list(range(1, len(names) + 1))
    for event in run.events:
        assert list(event)[: len(CALLBACK_KEYS)] == CALLBACK_KEYS
        assert isinstance(event["event_data"], dict) and event["event_data"]["uuid"] == event["uuid"]
    by_name = {e["event"]: e for e in run.events}
    playbook_uuid = by_name["playbook_on_start"]["uuid"]
    assert "parent_uuid" not in by_name["playbook_on_start"]
    assert by_name["playbook_on_play_start"]["parent_uuid"] == playbook_uuid
    assert by_name["playbook_on_stats"]["parent_uuid"] == playbook_uuid
    tasks = [e for e in run.events if e["event"] == "playbook_on_task_start"]
    assert all(t["parent_uuid"] == by_name["playbook_on_play_start"]["uuid"] for t in tasks)
    results = [e for e in run.events if e["event"].startswith("runner_on_")]
    assert [r["parent_uuid"] for r in results] == [tasks[0]["uuid"]] * 2 + [tasks[1]["uuid"]] * 2
    # Line numbers are contiguous, as AWX's stdout view requires.
    for previous, current in zip(run.events, run.events[1:], strict=False):
        assert current["start_line"] == previous["end_line"]

    text = run.text()
    assert "TASK [say hi] ****" in text and "changed: [localhost]" in text
    assert "localhost                  : ok=2    changed=1    unreachable=0    failed=0" in text
    stats = by_name["playbook_on_stats"]["event_data"]
    assert stats["ok"] == {"localhost": 2} and stats["changed"] == {"localhost": 1}
    assert stats["processed"] == {"localhost": 1} and stats["failures"] == {}
    oks = [e for e in run.events if e["event"] == "runner_on_ok"]
    assert oks[0]["event_data"]["res"] == {"changed": False, "ping": "pong"}
    assert oks[1]["event_data"]["res"]["stdout"].rstrip() == "hi"

    assert run.lines[-1]["eof"] is True and "zipfile" in run.lines[-2]
    assert {"rc", "status", "stdout", "stderr", "command", "job_events/"} <= _zip_names(run.stdout)

    assert processed.status == "successful" and processed.finished
    assert [e["counter"] for e in processed.events] == list(range(1, len(names) + 1))
    artifacts = processed.artifact_dir
    assert (artifacts / "rc").read_text() == "0"
    assert (artifacts / "status").read_text() == "successful"
    assert "changed: [localhost]" in (artifacts / "stdout").read_text()
    assert len(list((artifacts / "job_events").glob("*.json"))) == len(names)


def test_failed_task_ends_the_job_with_rc_2(tmp_path):
    pdd = make_data_dir(tmp_path, FAILING)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")

    assert run.rc == 2
    assert run.final_status == "failed" and processed.status == "failed"
    failed = [e for e in run.events if e["event"] == "runner_on_failed"]
    assert len(failed) == 1
    res = failed[0]["event_data"]["res"]
    assert res["rc"] == 3 and res["msg"] == "The command exited with a non-zero return code."
    assert "failed" not in res and res["exception"] == "(traceback unavailable)"  # as ansible-core 2.21 reports it
    text = run.text()
    assert "fatal: [localhost]: FAILED! =>" in text
    assert "Origin: " in text and "job.py:6" in text  # points at the script line, as Ansible points at YAML
    assert "echo never" not in json.dumps(run.events)  # the play stopped at the failure
    stats = run.events[-1]["event_data"]
    assert stats["failures"] == {"localhost": 1} and stats["ok"] == {"localhost": 1}
    assert "failed=1" in text


@pytest.mark.parametrize(
    ("script", "expected_rc", "expected_text"),
    [
        pytest.param(
            """
            import sys
            async def run(inventory_path, extravars, runner):
                print("hello from print")
                print("to stderr", file=sys.stderr)
                return 0
            """,
            0,
            ["hello from print", "to stderr"],
            id="prints",
        ),
        pytest.param(
            """
            async def run(inventory_path, extravars, runner):
                raise RuntimeError("boom from the script")
            """,
            1,
            ["the FTL2 script raised an exception", "RuntimeError: boom from the script", "job.py"],
            id="raises",
        ),
        pytest.param(
            """
            import sys
            async def run(inventory_path, extravars, runner):
                sys.exit(3)
            """,
            3,
            ["exited with status 3"],
            id="sys-exit-3",
        ),
        pytest.param("async def run(:\n", 4, ["is not valid Python", "job.py:1:"], id="syntax-error"),
        pytest.param("x = 1\n", 1, ["does not define run("], id="no-run"),
        pytest.param(
            """
            import no_such_module_anywhere
            """,
            1,
            ["failed to load", "ModuleNotFoundError"],
            id="import-error",
        ),
        pytest.param(
            """
            async def run(inventory_path, extravars, runner):
                return "yes"
            """,
            1,
            ["must return an int"],
            id="bad-return",
        ),
    ],
)
def test_script_problems_end_with_a_status_and_eof(tmp_path, script, expected_rc, expected_text):
    pdd = make_data_dir(tmp_path, script)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")

    assert run.rc == expected_rc
    assert run.stderr == b""
    assert run.final_status == ("successful" if expected_rc == 0 else "failed")
    assert processed.status == run.final_status
    assert run.lines[-1].get("eof") is True
    text = run.text()
    for fragment in expected_text:
        assert fragment in text
    assert [e["counter"] for e in run.events] == list(range(1, len(run.events) + 1))


def test_missing_script_is_a_failed_job(tmp_path):
    pdd = make_data_dir(tmp_path, None)
    run, processed = pipeline(pdd, tmp_path, "-p", "nowhere.py")
    assert run.rc == 1 and run.final_status == "failed" and processed.status == "failed"
    assert "the FTL2 script: nowhere.py could not be found" in run.text()
    assert run.lines[-1].get("eof") is True


def test_script_printing_never_corrupts_the_stream(tmp_path):
    """Prints from threads and subprocesses during tasks become verbose events, not stray bytes."""
    script = """
    import os, subprocess, threading
    async def run(inventory_path, extravars, runner):
        stop = threading.Event()
        def chatter():  # about 1,000 lines a second, all through the job
            while not stop.wait(0.001):
                print("x" * 500, flush=True)
        thread = threading.Thread(target=chatter)
        thread.start()
        try:
            async with runner.automation() as ftl:
                for i in range(20):
                    await ftl.localhost.command(cmd=f"echo {i}")
                    subprocess.run(["echo", "from a subprocess"])
                    os.write(2, b"raw fd 2 write\\n")
        finally:
            stop.set()
            thread.join()
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert run.rc == 0 and processed.status == "successful"
    names = run.event_names()
    assert names.count("runner_on_ok") == 20
    assert names.count("playbook_on_task_start") == 20
    verbose = [e for e in run.events if e["event"] == "verbose"]
    assert any(e["stdout"] == "from a subprocess" for e in verbose)
    assert any(e["stdout"] == "raw fd 2 write" for e in verbose)
    for event in run.events:
        if event["event"] == "runner_on_ok":
            assert "x" * 20 not in event["stdout"]


def test_job_without_playbook_uses_ftl2_script_env(tmp_path):
    script_file = tmp_path / "baked.py"
    script_file.write_text(HELLO)
    pdd = make_data_dir(tmp_path, None)
    stream = _api_transmit(pdd)
    run = run_worker(stream, tmp_path / "w", env=_env(FTL2_SCRIPT=str(script_file)))
    assert run.rc == 0 and run.final_status == "successful"
    assert run.event_names().count("runner_on_ok") == 2
    assert run.events[0]["event_data"]["playbook"] == str(script_file)


def test_job_without_playbook_or_script_fails_clearly(tmp_path):
    pdd = make_data_dir(tmp_path, None)
    run = run_worker(_api_transmit(pdd), tmp_path / "w", env=_env(FTL2_SCRIPT=str(tmp_path / "absent.py")))
    assert run.rc == 1 and run.final_status == "failed"
    assert "absent.py could not be found" in run.text()


def test_transmit_worker_process_through_the_cli(tmp_path):
    """`ftl2-runner transmit | ftl2-runner worker | ftl2-runner process` as a shell pipeline."""
    import subprocess

    from streams import FTL2_RUNNER, worker_env

    pdd = make_data_dir(tmp_path, HELLO)
    out = tmp_path / "out"
    pipe = f"'{FTL2_RUNNER}' transmit '{pdd}' -p job.py -i myident | '{FTL2_RUNNER}' worker | '{FTL2_RUNNER}' process '{out}' -i myident"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", pipe], capture_output=True, text=True, timeout=120, env=worker_env())
    assert done.returncode == 0, done.stderr
    assert "changed: [localhost]" in done.stdout
    assert (out / "artifacts" / "myident" / "status").read_text() == "successful"
    assert (out / "artifacts" / "myident" / "rc").read_text() == "0"


def _api_transmit(pdd):
    """The Python-API transmit sends only the kwargs given (here: none naming a playbook)."""
    import ansible_runner

    buffer = io.BytesIO()
    buffer.name = "transmit"
    ansible_runner.run(streamer="transmit", _output=buffer, private_data_dir=str(pdd), ident="api-job")
    return buffer.getvalue()


def _env(**extra):
    from streams import worker_env

    return worker_env(**extra)


def test_process_reports_truncated_stream_as_error(tmp_path):
    """Sanity check of the harness: a stream cut before eof is an error for the Processor."""
    pdd = make_data_dir(tmp_path, HELLO)
    run = run_worker(transmit(pdd, "-p", "job.py"), tmp_path / "w")
    cut = run.stdout.split(b'{"status": "successful"')[0]
    assert process(cut, tmp_path / "c").status == "error"


def test_what_a_script_prints_comes_before_the_events_after_it(tmp_path):
    """A print, a subprocess's output and a raw fd write appear where they happened in the job.

    Ansible's own output is written in order, so AWX shows a line printed between two tasks
    between those tasks, and a line printed just before the end above PLAY RECAP.
    """
    script = """
    import os, subprocess, sys
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            for i in range(5):
                print(f"print {i}")
                subprocess.run(["echo", f"subprocess {i}"])
                os.write(2, f"fd2 {i}\\n".encode())
                sys.stdout.write(f"partial {i}")  # no newline: still shown before the next task
                with runner.task(f"task {i}"):
                    await ftl.localhost.command(cmd=f"echo {i}")
        print("last words")
        return 0
    """
    run = run_worker(transmit(make_data_dir(tmp_path, script), "-p", "job.py"), tmp_path / "w")
    assert run.final_status == "successful"
    order = []  # printed lines (an event of forwarded output may hold several) and event names
    for e in run.events:
        if e["event"] == "verbose":
            order.extend(e["stdout"].split("\r\n") if e["stdout"] else [])
        elif e["event"] in ("playbook_on_task_start", "playbook_on_stats"):
            order.append(e["event"])
    for i in range(5):
        task = order.index("playbook_on_task_start", order.index(f"print {i}"))
        assert order.index(f"print {i}") < order.index(f"subprocess {i}") < order.index(f"fd2 {i}") < task
        assert any(isinstance(item, str) and item.startswith(f"partial {i}") for item in order[:task])
    assert order.index("last words") < order.index("playbook_on_stats")
