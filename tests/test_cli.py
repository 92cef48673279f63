"""The console script's worker flags, worker-info, cleanup, run, and the Python API."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import yaml
from streams import FTL2_RUNNER, make_data_dir, parse_stream, process, run_worker, transmit, worker_env

SLEEPY = """
import asyncio
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.localhost.command(cmd="sleep 3")
    return 0
"""

HELLO = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.localhost.command(cmd="echo hi")
    return 0
"""


def test_worker_info_is_upstream_yaml_with_our_version(tmp_path):
    env = worker_env(HOME=str(tmp_path))
    first = subprocess.run([FTL2_RUNNER, "worker", "--worker-info"], capture_output=True, text=True, env=env, timeout=30)
    second = subprocess.run([FTL2_RUNNER, "worker", "--worker-info"], capture_output=True, text=True, env=env, timeout=30)
    assert first.returncode == 0 and first.stderr == ""
    info = yaml.safe_load(first.stdout.strip())
    assert set(info) == {"cpu_count", "errors", "mem_in_bytes", "runner_version", "uuid"}
    assert info["cpu_count"] == os.cpu_count() and isinstance(info["mem_in_bytes"], int) and info["errors"] == []
    from ftl2_runner import __version__

    assert info["runner_version"] == __version__
    assert yaml.safe_load(second.stdout)["uuid"] == info["uuid"]
    assert (tmp_path / ".ansible_runner_uuid").read_text() == info["uuid"]
    assert first.stdout.startswith("{") and first.stdout.endswith("}\n\n")  # flow style + blank line, as upstream


def test_worker_info_does_not_import_ftl2(tmp_path):
    code = (
        "import sys, io, contextlib\n"
        "from ftl2_runner.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['worker', '--worker-info'])\n"
        "assert not [m for m in sys.modules if m == 'ftl2' or m.startswith('ftl2.')], 'ftl2 imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=worker_env(HOME=str(tmp_path)))
    assert done.returncode == 0, done.stderr


def test_worker_cleanup_is_upstreams(tmp_path):
    old = tmp_path / "awx_1_old"
    keep = tmp_path / "awx_2_keep"
    old.mkdir()
    keep.mkdir()
    done = subprocess.run(
        [FTL2_RUNNER, "worker", "cleanup", f"--file-pattern={tmp_path}/awx_*_*", "--grace-period=0", "--exclude-strings", "awx_2_"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    assert "(changed: True)" in done.stdout
    assert not old.exists() and keep.exists()


def test_delete_removes_the_data_dir(tmp_path):
    pdd = make_data_dir(tmp_path, HELLO)
    wdir = tmp_path / "w"
    wdir.mkdir()
    (wdir / "stale-file").write_text("left over from an earlier job")
    run = run_worker(transmit(pdd, "-p", "job.py"), wdir, "--delete")
    assert run.final_status == "successful"
    assert not wdir.exists()


def test_keepalives_during_a_quiet_job_and_never_after_eof(tmp_path):
    pdd = make_data_dir(tmp_path, SLEEPY)
    run = run_worker(transmit(pdd, "-p", "job.py"), tmp_path / "w", "--keepalive-seconds=1")
    assert run.final_status == "successful"
    names = [line.get("event") or next(iter(line)) for line in run.lines]
    # While the job sleeps 3 s (between its task's runner_on_start and runner_on_ok) nothing
    # else is written: the keepalives are there.
    quiet = names[names.index("runner_on_start") + 1 : names.index("runner_on_ok")]
    assert quiet and set(quiet) == {"keepalive"}
    # eof is the last byte of the stream: no keepalive (or anything) after it.
    assert names[-1] == "eof" and names.count("eof") == 1
    assert run.stdout.endswith(b'{"eof": true}\n')
    for line in run.stdout.split(b"\n")[:-1]:
        if b'"keepalive"' in line:
            assert line == b'{"event": "keepalive", "counter": 0, "uuid": 0}'


def test_keepalive_from_environment(tmp_path):
    pdd = make_data_dir(tmp_path, SLEEPY)
    run = run_worker(transmit(pdd, "-p", "job.py"), tmp_path / "w", env=worker_env(ANSIBLE_RUNNER_KEEPALIVE_SECONDS="1"))
    assert sum(1 for line in run.lines if line.get("event") == "keepalive") >= 1


def test_worker_rejects_unknown_flags_like_upstream(tmp_path):
    done = subprocess.run([FTL2_RUNNER, "worker", "--no-such-flag"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "unrecognized arguments" in done.stderr


def test_run_command_prints_the_job_and_writes_artifacts(tmp_path):
    pdd = make_data_dir(tmp_path, HELLO)
    done = subprocess.run(
        [FTL2_RUNNER, "run", str(pdd), "-p", "job.py", "-i", "local1"],
        capture_output=True,
        text=True,
        timeout=120,
        env=worker_env(),
    )
    assert done.returncode == 0, done.stderr
    assert "TASK [command]" in done.stdout and "changed: [localhost]" in done.stdout and "PLAY RECAP" in done.stdout
    artifacts = pdd / "artifacts" / "local1"
    assert (artifacts / "status").read_text() == "successful"
    assert len(list((artifacts / "job_events").glob("*.json"))) == 6


def test_run_after_a_killed_executor_leaves_no_partial_file_slots(tmp_path):
    """A printed line's partial file is on a slot (``partial_files``); a job timeout kills the
    executor before its own clean-up, so ``run`` removes the slots after the job."""
    from ftl2_runner.executor.display.partial_files import SLOT_DIR_NAME

    printing = 'import time\nasync def run(inventory_path, extravars, runner):\n    print("printed", flush=True)\n    time.sleep(60)\n'
    pdd = make_data_dir(tmp_path, printing, env_files={"settings": json.dumps({"job_timeout": 2, "pexpect_timeout": 1})})
    done = subprocess.run(
        [FTL2_RUNNER, "run", str(pdd), "-p", "job.py", "-i", "killed"], capture_output=True, text=True, timeout=120, env=worker_env()
    )
    events_dir = pdd / "artifacts" / "killed" / "job_events"
    assert (pdd / "artifacts" / "killed" / "status").read_text() == "timeout", done.stderr
    assert "printed" in done.stdout
    assert not (events_dir / SLOT_DIR_NAME).exists()


def test_python_api_returns_upstream_runner(tmp_path):
    pdd = make_data_dir(tmp_path, HELLO)
    code = (
        "import json, ftl2_runner\n"
        f"r = ftl2_runner.run(private_data_dir={str(pdd)!r}, playbook='job.py', quiet=True)\n"
        "print(json.dumps({'status': r.status, 'rc': r.rc, 'events': [e['event'] for e in r.events],"
        " 'stats': r.stats, 'type': type(r).__module__ + '.' + type(r).__name__}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=worker_env())
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["type"] == "ansible_runner.runner.Runner"
    assert result["status"] == "successful" and result["rc"] == 0
    assert result["events"][0] == "playbook_on_start" and result["events"][-1] == "playbook_on_stats"
    assert result["stats"]["changed"] == {"localhost": 1}


def test_python_api_run_worker(tmp_path):
    pdd = make_data_dir(tmp_path, None)
    script = tmp_path / "default.py"
    script.write_text(HELLO)
    stream = transmit(pdd, "-p", "job.py")
    # A job naming a script that does not exist must fail even if a default script is given.
    code = (
        "import io, sys, ftl2_runner\n"
        "out = io.BytesIO(); out.name = 'out'  # upstream stream_dir reads .name\n"
        f"status, rc = ftl2_runner.run_worker(private_data_dir={str(tmp_path / 'w')!r}, keepalive_seconds=0,"
        f" script_path={str(script)!r}, _input=io.BytesIO(sys.stdin.buffer.read()), _output=out)\n"
        "sys.stdout.buffer.write(out.getvalue())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], input=stream, capture_output=True, timeout=120, env=worker_env())
    assert done.returncode == 0, done.stderr
    lines = parse_stream(done.stdout)
    assert [line["status"] for line in lines if "status" in line][-1] == "failed"

    api_stream = _transmit_without_playbook(pdd)
    done = subprocess.run([sys.executable, "-c", code], input=api_stream, capture_output=True, timeout=120, env=worker_env())
    lines = parse_stream(done.stdout)
    assert [line["status"] for line in lines if "status" in line][-1] == "successful"
    assert process(done.stdout, tmp_path / "c", "api").status == "successful"


def _transmit_without_playbook(pdd):
    import io

    import ansible_runner

    buffer = io.BytesIO()
    buffer.name = "transmit"
    ansible_runner.run(streamer="transmit", _output=buffer, private_data_dir=str(pdd), ident="api")
    return buffer.getvalue()


def test_version_and_help():
    version = subprocess.run([FTL2_RUNNER, "--version"], capture_output=True, text=True, timeout=30)
    from ftl2_runner import __version__

    assert version.returncode == 0 and version.stdout.strip() == __version__
    help_text = subprocess.run([FTL2_RUNNER, "--help"], capture_output=True, text=True, timeout=30)
    assert help_text.returncode == 0 and help_text.stdout.startswith("usage: ftl2-runner ")
    # argparse lists each sub-command as "    NAME  help" under COMMAND.
    listed = [m.group(1) for m in re.finditer(r"^    (\w+)  +\S", help_text.stdout, re.MULTILINE)]
    assert listed == ["worker", "transmit", "process", "run", "gate"]
    for command in listed:
        sub = subprocess.run([FTL2_RUNNER, command, "--help"], capture_output=True, text=True, timeout=30)
        assert sub.returncode == 0 and sub.stdout.startswith(f"usage: ftl2-runner {command} "), sub.stdout + sub.stderr
