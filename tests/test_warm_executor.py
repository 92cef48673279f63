"""The warm executor: a job handed to the pre-started process sees what a forked executor sees.

Every test runs the real ``ftl2-runner worker`` console script. The control is
``FTL2_RUNNER_WARM_EXECUTOR=0`` (the executor forked by pexpect, as before), and the
probe script reports whether it runs in the warm process (its command line says so).
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from streams import FTL2_RUNNER, WorkerRun, make_data_dir, parse_stream, pipeline, run_worker, transmit, worker_env

PROBE = """
import gc, json, os, signal, sys, tempfile, time, threading
def controlling_terminal_opens():
    try:
        os.close(os.open("/dev/tty", os.O_RDWR))
        return True
    except OSError:
        return False
async def run(inventory_path, extravars, runner):
    for thread in threading.enumerate():  # a warm executor's imports may still be opening files
        if thread.name == "ftl2-runner-warm-up":
            thread.join()
    facts = {
        "foreground": os.tcgetpgrp(0) == os.getpgrp(),
        "dev_tty": controlling_terminal_opens(),
        "streams": [[s.encoding, s.errors, s.line_buffering, s.write_through, type(s.buffer).__name__]
                    for s in (sys.stdin, sys.stdout, sys.stderr)],
        "tz": time.tzname[0],
        "open_fds": len(os.listdir("/proc/self/fd")),
        "warm": "ftl2_runner.executor.warm" in open("/proc/self/cmdline").read(),
        "cwd": os.getcwd(),
        "argv": sys.argv[1:],
        "path_last": sys.path[-1],
        "project_first": sys.path[0] == os.getcwd(),
        "tty": os.isatty(0),
        "session_leader": os.getsid(0) == os.getpid(),
        "group_leader": os.getpgid(0) == os.getpid(),
        "sighup_ignored": signal.getsignal(signal.SIGHUP) == signal.SIG_IGN,
        "envvar": os.environ.get("FROM_ENVVARS"),
        "artifacts": os.path.relpath(os.environ["AWX_ISOLATED_DATA_DIR"], os.path.dirname(os.getcwd())),
        "tmp": tempfile.gettempdir(),
        "telemetry": os.environ.get("FTL2_TELEMETRY"),
        "gc_enabled": gc.isenabled(),
        "gc_frozen": gc.get_freeze_count() > 0,
    }
    runner.display("PROBE " + json.dumps(facts, sort_keys=True))
    print("printed by the script")
    async with runner.automation() as ftl:
        await ftl.localhost.command(cmd="echo from a task")
    return 0
"""


def _probe(run) -> dict:
    for line in run.text().splitlines():
        if line.startswith("PROBE "):
            return json.loads(line[len("PROBE ") :])
    raise AssertionError(f"no probe line in: {run.text()!r}")


def _job(tmp_path: Path, envvars: dict[str, str]) -> bytes:
    job_tmp = tmp_path / "job-tmp"
    job_tmp.mkdir()
    envvars = {"FROM_ENVVARS": "yes", "TMPDIR": str(job_tmp), "TZ": "XYZ+5", **envvars}
    pdd = make_data_dir(tmp_path, PROBE, env_files={"envvars": json.dumps(envvars)})
    return transmit(pdd, "-p", "job.py")


@pytest.mark.parametrize("unbuffered", ["", "1"], ids=["buffered", "PYTHONUNBUFFERED"])
def test_a_warm_job_sees_what_a_forked_executor_sees(tmp_path, unbuffered):
    stream = _job(tmp_path, {})
    env = worker_env()
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = unbuffered
    warm = run_worker(stream, tmp_path / "w1", env=dict(env, FTL2_RUNNER_WARM_EXECUTOR="1"))
    cold = run_worker(stream, tmp_path / "w2", env=dict(env, FTL2_RUNNER_WARM_EXECUTOR="0"))
    assert warm.final_status == cold.final_status == "successful"
    warm_facts, cold_facts = _probe(warm), _probe(cold)
    assert warm_facts.pop("warm") is True and cold_facts.pop("warm") is False
    # The warm-up's imports are frozen out of the collector's way; the collector is on again.
    assert warm_facts.pop("gc_frozen") is True and cold_facts.pop("gc_frozen") is False
    assert warm_facts["gc_enabled"] is cold_facts["gc_enabled"] is True
    for facts, workdir in ((warm_facts, "w1"), (cold_facts, "w2")):
        # the script's directory is on sys.path, last; nothing put the project first (-P)
        assert facts["cwd"] == facts["path_last"] == str(tmp_path / workdir / "project") and not facts["project_first"]
        assert facts["argv"][-1].endswith("job.py") and facts["tmp"] == str(tmp_path / "job-tmp")
    assert {k: v for k, v in warm_facts.items() if k not in ("cwd", "path_last", "argv")} == {
        k: v for k, v in cold_facts.items() if k not in ("cwd", "path_last", "argv")
    }
    assert warm_facts["tty"] and warm_facts["session_leader"] and warm_facts["group_leader"]
    assert warm_facts["foreground"] and warm_facts["dev_tty"] and warm_facts["tz"] == "XYZ"
    assert warm_facts["sighup_ignored"] and warm_facts["envvar"] == "yes" and warm_facts["telemetry"] == "off"
    for run in (warm, cold):
        assert "printed by the script" in run.text()
        assert [e["event"] for e in run.events].count("runner_on_ok") == 1


def test_a_job_with_a_different_python_environment_is_forked_instead(tmp_path):
    stream = _job(tmp_path, {"PYTHONWARNINGS": "ignore::DeprecationWarning"})
    run = run_worker(stream, tmp_path / "w", env=worker_env(FTL2_RUNNER_WARM_EXECUTOR="1"))
    assert run.final_status == "successful"
    assert _probe(run)["warm"] is False


def _perf_trampoline_available() -> bool:
    code = "import sys; print(sys.is_stack_trampoline_active())"
    done = subprocess.run([sys.executable, "-X", "perf", "-c", code], capture_output=True, text=True, timeout=30)
    return done.stdout.strip() == "True"


@pytest.mark.skipif(not _perf_trampoline_available(), reason="this Python has no perf trampoline (-X perf) on this platform")
def test_python_perf_support_in_the_environment_stays_out_of_the_job(tmp_path):
    """PYTHONPERFSUPPORT=1 (how `perf` sees Python frames) keeps a map file open from start-up on.

    The warm executor closed it with everything else above fd 2; the capture's pty took its
    number, so the map's lines became the job's output and a long job hung writing them.
    """
    script = "async def run(inventory_path, extravars, runner):\n    async with runner.automation() as ftl:\n"
    script += "        for i in range(20):\n            await ftl.localhost.command(cmd=f'echo {i}')\n    return 0\n"
    stream = transmit(make_data_dir(tmp_path, script), "-p", "job.py")
    env = worker_env(PYTHONPERFSUPPORT="1", FTL2_RUNNER_WARM_EXECUTOR="1")
    run = run_worker(stream, tmp_path / "w", env=env, timeout=60)
    assert run.final_status == "successful"
    assert "py::" not in run.text()
    assert [e["event"] for e in run.events].count("runner_on_ok") == 20


def test_descriptors_the_worker_inherited_do_not_reach_the_job(tmp_path):
    """A descriptor left inheritable by whoever started the worker is closed, as in a forked executor."""
    stream = _job(tmp_path, {})
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)
    try:
        facts = {}
        for warm in ("1", "0"):
            completed = subprocess.run(
                [FTL2_RUNNER, "worker", f"--private-data-dir={tmp_path / ('w' + warm)}"],
                input=stream,
                capture_output=True,
                timeout=120,
                env=worker_env(FTL2_RUNNER_WARM_EXECUTOR=warm),
                pass_fds=(write_end,),
            )
            run = WorkerRun(completed.stdout, completed.stderr, completed.returncode)
            run.lines = parse_stream(completed.stdout)
            assert run.final_status == "successful", completed.stderr
            facts[warm] = _probe(run)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert facts["1"]["warm"] is True and facts["0"]["warm"] is False
    assert facts["1"]["open_fds"] == facts["0"]["open_fds"]


def _processes_tagged(tag: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as handle:
                    if f"FTL2_RUNNER_TEST_TAG={tag}".encode() in handle.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                continue
    return found


def test_an_unclaimed_warm_executor_is_stopped_with_the_worker(tmp_path):
    tag = str(uuid.uuid4())
    env = worker_env(FTL2_RUNNER_WARM_EXECUTOR="1", FTL2_RUNNER_TEST_TAG=tag)
    # A successful job that is not an FTL2 script (AWX's raw `args`): the warm executor is not
    # used, and no error path (which kills all descendants anyway) is taken.
    pdd = make_data_dir(tmp_path, None)
    (pdd / "args").write_text("sh -c 'echo raw'")
    run = run_worker(transmit(pdd, "-p", "unused.yml"), tmp_path / "w", env=env)
    assert run.final_status == "successful" and run.statuses[0]["command"][0] == "sh"
    assert _processes_tagged(tag) == []
    # And a stream that ends before any kwargs (the error path).
    done = subprocess.run(
        [FTL2_RUNNER, "worker", f"--private-data-dir={tmp_path / 'w2'}"], input=b'{"eof": true}\n', capture_output=True, timeout=60, env=env
    )
    assert b'"status": "error"' in done.stdout
    assert _processes_tagged(tag) == []


def test_a_warm_executor_leaves_when_its_worker_is_killed(tmp_path):
    tag = str(uuid.uuid4())
    env = worker_env(FTL2_RUNNER_WARM_EXECUTOR="1", FTL2_RUNNER_TEST_TAG=tag)
    worker = subprocess.Popen(
        [FTL2_RUNNER, "worker", f"--private-data-dir={tmp_path / 'w'}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    deadline = time.monotonic() + 20
    while len(_processes_tagged(tag)) < 2 and time.monotonic() < deadline:  # the worker and its warm executor
        time.sleep(0.05)
    assert len(_processes_tagged(tag)) == 2
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)
    deadline = time.monotonic() + 20
    while _processes_tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_tagged(tag) == [], "the warm executor outlived its worker"


def test_cancel_of_a_warm_job_ends_it(tmp_path):
    script = """
    import sys, time
    async def run(inventory_path, extravars, runner):
        runner.display(f"warm={'ftl2_runner.executor.warm' in open('/proc/self/cmdline').read()}")
        time.sleep(300)
        return 0
    """
    tag = str(uuid.uuid4())
    stream = transmit(make_data_dir(tmp_path, script), "-p", "job.py")
    env = worker_env(FTL2_RUNNER_WARM_EXECUTOR="1", FTL2_RUNNER_TEST_TAG=tag)
    worker = subprocess.Popen(
        [FTL2_RUNNER, "worker", f"--private-data-dir={tmp_path / 'w'}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    worker.stdin.write(stream)
    worker.stdin.close()
    seen = b""
    while b"warm=" not in seen:
        line = worker.stdout.readline()
        assert line, "the job ended before it printed"
        seen += line
    assert b"warm=True" in seen
    started = time.monotonic()
    worker.send_signal(signal.SIGTERM)
    rest = worker.stdout.read()
    worker.wait(timeout=30)
    assert time.monotonic() - started < 10
    assert b'"status": "canceled"' in rest and rest.rstrip().endswith(b'{"eof": true}')
    assert _processes_tagged(tag) == []


def test_a_warm_job_round_trips_through_process(tmp_path):
    run, processed = pipeline(make_data_dir(tmp_path, PROBE), tmp_path, "-p", "job.py", env=worker_env(FTL2_RUNNER_WARM_EXECUTOR="1"))
    assert processed.status == "successful" and _probe(run)["warm"] is True


def test_the_worker_reaps_a_warm_executor_no_job_claimed(tmp_path, monkeypatch):
    """In process, so that what happened to the warm executor can be asked of the worker itself."""
    from ftl2_runner.processes import warm_executor
    from ftl2_runner.worker import run_worker as run_in_process

    monkeypatch.setenv("FTL2_RUNNER_WARM_EXECUTOR", "1")
    warm = warm_executor.start()
    assert warm is not None and warm.alive()
    pid = warm.pid
    pdd = make_data_dir(tmp_path, None)
    (pdd / "args").write_text("sh -c 'echo raw'")  # a successful job that does not use the executor
    with open(tmp_path / "stream", "wb") as output:  # upstream's artifact zip wants a real file
        status, _ = run_in_process(private_data_dir=str(tmp_path / "w"), _input=io.BytesIO(transmit(pdd, "-p", "x.yml")), _output=output)
    assert status == "successful", (tmp_path / "stream").read_bytes()[-3000:]
    assert warm_executor._waiting is None
    with pytest.raises(ChildProcessError):  # reaped by the worker, not left to exit on its own
        os.waitpid(pid, os.WNOHANG)


# A job using what most jobs use: tasks, a play, loop, when, ignore_errors, debug, emit_event, print.
TYPICAL_JOB = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.play("typical", hosts="localhost") as play:
            await play.command(cmd="echo one")
            with runner.task("tolerated", ignore_errors=True):
                await play.command(cmd="false")
            with runner.task("skipped", when=False):
                await play.command(cmd="echo never")
            with runner.task("items"):
                async for item in runner.loop(["a", "b"]):
                    await play.command(cmd=f"echo {item}")
            await play.debug(msg="hello")
            runner.emit_event({"event": "custom_progress", "message": "half way"})
            print("printed")
    return 0
"""
_IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s+(ftl2_runner(?:\.\w+)*)\s*$", re.MULTILINE)


def test_the_warm_executor_imports_every_ftl2_runner_module_a_job_imports(tmp_path):
    """A module the warm-up misses is imported by the job itself, after the hand-over: the job waits for it."""
    (tmp_path / "job.py").write_text(textwrap.dedent(TYPICAL_JOB))
    env = worker_env()
    job = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ftl2_runner.executor", "job.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert job.returncode == 0, job.stdout + job.stderr
    assert "changed: [localhost] => (item=b)" in job.stdout and "printed" in job.stdout  # the job did run
    imported_by_job = set(_IMPORTED.findall(job.stdout + job.stderr))
    assert "ftl2_runner.executor.api.script_api" in imported_by_job  # the import log was read
    warm_up = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys\nfrom ftl2_runner.executor import warm\nwarm._import_all()\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.startswith('ftl2_runner'))))",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert warm_up.returncode == 0, warm_up.stderr
    pre_imported = set(json.loads(warm_up.stdout))
    assert sorted(imported_by_job - pre_imported) == [], "add these to ftl2_runner/executor/warm.py's _import_all"


SHADOWED = """
import helper  # a helper module next to the script still imports
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("template something"):
            await ftl.localhost.debug(msg="{{ 'tmpl' | upper }} " + helper.WORD)
        with runner.task("run a module"):
            await ftl.localhost.command(cmd="echo ran")
    return 0
"""
# Files in the project named like what the executor, FTL2 and Ansible's modules import.
SHADOWS = ("yaml.py", "jinja2.py", "asyncio.py", "json.py", "ftl2_runner/__init__.py", "ftl2/__init__.py", "ansible/__init__.py")


@pytest.mark.parametrize(
    "how",
    [
        {},
        {"FTL2_RUNNER_WARM_EXECUTOR": "0"},
        {"envvars": {"LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}},
    ],
    ids=["warm", "forked", "forked-by-envvars"],
)
def test_project_files_never_shadow_the_executors_imports(tmp_path, how):
    """The executor runs with the project dir as cwd: a project's ``yaml.py`` (any name the executor,
    FTL2 or a module imports) must not replace the real one; only the script's own helpers import
    from there."""
    pdd = make_data_dir(tmp_path, SHADOWED)
    found = tmp_path / "shadow-imported"
    for name in SHADOWS:
        path = pdd / "project" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"open({str(found)!r}, 'a').write({name!r} + '\\n')\nraise ImportError('the project shadowed {name}')\n")
    (pdd / "project" / "helper.py").write_text('WORD = "helped"\n')
    if "envvars" in how:
        (pdd / "env").mkdir(exist_ok=True)
        (pdd / "env" / "envvars").write_text(json.dumps(how["envvars"]))
    env = worker_env(**{k: v for k, v in how.items() if k != "envvars"})
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py", env=env)
    assert processed.status == "successful", run.text()[-3000:]
    assert "TMPL helped" in run.text() and "changed: [localhost]" in run.text()
    assert not found.exists(), found.read_text()


PROCESS_FACTS = """
import os
async def run(inventory_path, extravars, runner):
    worker = os.getppid()
    waiting = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat, open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
                    if parent == worker and b"ftl2_runner.executor.warm" in cmdline.read():
                        waiting += 1
            except OSError:
                pass
    # what every process the job forks inherits (subprocess's own posix_spawn would add its own)
    with open("/proc/self/status") as status:
        ignored = next(line.split()[1] for line in status if line.startswith("SigIgn:"))
    runner.display(f"FACTS waiting={waiting} sigign={ignored}")
    return 0
"""


def _facts(run: WorkerRun) -> dict[str, str]:
    line = next(e["stdout"] for e in run.events if "FACTS " in (e.get("stdout") or ""))
    return dict(item.split("=") for item in re.sub(r"\x1b\[[0-9;]*m", "", line).split("FACTS ", 1)[1].split())


def test_a_job_the_warm_executor_cannot_take_leaves_no_executor_waiting(tmp_path):
    """A job whose envvars have an ``FTL2_*`` variable is forked: the warm executor, which cannot run it,
    is stopped at once instead of waiting beside the job (48 MB) until the worker ends."""
    pdd = make_data_dir(tmp_path, PROCESS_FACTS, env_files={"envvars": json.dumps({"FTL2_SOMETHING": "x"})})
    run = run_worker(transmit(pdd, "-p", "job.py"), tmp_path / "w")
    assert run.final_status == "successful", run.text()
    assert _facts(run)["waiting"] == "0"


def test_a_warm_jobs_children_get_the_signal_dispositions_of_a_forked_ones(tmp_path):
    """glibc's posix_spawn starts the warm executor with its internal signals (32, 33) ignored, which
    exec keeps: every process of a warm job inherited them ignored. A warm job's child now sees what a
    forked job's child sees."""
    pdd = make_data_dir(tmp_path, PROCESS_FACTS)
    stream = transmit(pdd, "-p", "job.py")

    def worker(workdir: str, warm: str) -> WorkerRun:
        # Started by fork and exec, as Receptor (Go) starts it: Python's subprocess would use posix_spawn
        # and give the worker itself the ignored signals (a preexec_fn makes it fork).
        done = subprocess.run(
            [FTL2_RUNNER, "worker", f"--private-data-dir={tmp_path / workdir}"],
            input=stream,
            capture_output=True,
            timeout=120,
            env=worker_env(FTL2_RUNNER_WARM_EXECUTOR=warm),
            preexec_fn=lambda: None,
        )
        run = WorkerRun(done.stdout, done.stderr, done.returncode)
        run.lines = parse_stream(done.stdout)
        return run

    warm, cold = worker("w1", "1"), worker("w2", "0")
    assert warm.final_status == cold.final_status == "successful"
    assert _facts(warm)["sigign"] == _facts(cold)["sigign"], (_facts(warm), _facts(cold))
    assert not int(_facts(warm)["sigign"], 16) & (1 << 31)  # signal 32 is not ignored
