"""AWX's transport end to end: a real two-node Receptor mesh on 127.0.0.1 (tests/receptor_mesh.py).

Jobs go the way AWX sends them: stock ``ansible-runner transmit`` on the controller, piped into
``receptorctl work submit ansible-runner --node exec --payload - --param params="--private-data-dir=... --delete"``;
the execution node's work-command runs ``ftl2-runner worker``; ``receptorctl work results`` is
read by stock ansible-runner's process streamer with AWX's handlers (tests/awx_controller.py).
What the controller gets is compared with the direct pipeline (transmit | worker | Processor) of
tests/test_worker.py, so the mesh must change nothing.

The receptor binary comes from .ci/build-receptor (PATH); without one these tests skip with the
reason .ci/run found. The same contract runs everywhere through tests/receptor_standin.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import threading
import time
import uuid
from pathlib import Path

import pytest
import yaml
from receptor_mesh import EXEC_NODE, Mesh, receptorctl_path
from receptor_standin import processes_with_marker
from streams import make_data_dir, parse_stream, pipeline

RECEPTOR = shutil.which("receptor")
RECEPTORCTL = receptorctl_path()

pytestmark = pytest.mark.skipif(
    RECEPTOR is None or RECEPTORCTL is None,
    reason=os.environ.get("FTL2_RECEPTOR_UNAVAILABLE")
    or "no receptor binary on PATH (.ci/build-receptor builds one; see README, 'Receptor tests')",
)

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

UNREACHABLE = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("try everyone"):
            await ftl.targets.command(cmd="echo hi")
        with runner.task("only reachable hosts remain"):
            await ftl.targets.command(cmd="echo still here")
    return 0
"""
UNREACHABLE_INVENTORY = (
    "[targets]\nlocalhost ansible_connection=local\ndeadhost ansible_host=127.0.0.1 ansible_port=9 ansible_user=nobody\n"
)

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


@pytest.fixture(scope="module")
def mesh(tmp_path_factory):
    from compat.reference import ensure_reference_env

    root = tmp_path_factory.mktemp("mesh")
    node_pair = Mesh(root, RECEPTOR, RECEPTORCTL, ensure_reference_env())
    node_pair.start()
    yield node_pair
    node_pair.stop()


def _marked(tmp_path: Path, script: str, env_files: dict[str, str] | None = None, **kwargs) -> tuple[Path, str]:
    """A controller-side data dir whose job processes all carry a unique marker in their env."""
    marker = uuid.uuid4().hex
    files = {"envvars": json.dumps({"FTL2_TEST_MARKER": marker})}
    files.update(env_files or {})
    return make_data_dir(tmp_path, script, env_files=files, **kwargs), marker


def _run_through_mesh(
    mesh: Mesh, pdd: Path, tmp_path: Path, *transmit_args: str, ident: str = "42", extra_params: str = ""
) -> tuple[dict, bytes, str, Path]:
    worker_pdd = mesh.new_private_data_dir()
    params = f"--private-data-dir={worker_pdd} --delete" + (f" {extra_params}" if extra_params else "")
    unit = mesh.submit(params, mesh.transmit(pdd, *transmit_args, "-i", ident))
    followed = mesh.follow(unit, tmp_path / "awx", ident)
    report = followed.finish()
    return report, bytes(followed.raw), unit, worker_pdd


def _digest(events: list[dict]) -> list[tuple]:
    """What AWX keeps of each event, less what differs by run (uuids, times, pids, paths)."""
    return [
        (e["event"], e["counter"], e["start_line"], e["end_line"], e.get("event_data", {}).get("task"), e.get("event_data", {}).get("host"))
        for e in events
    ]


def _artifact_names(names: list[str]) -> list[str]:
    return sorted({re.sub(r"^job_events/.*", "job_events/*", n) for n in names})


def _assert_same_as_direct_pipeline(report: dict, pdd: Path, tmp_path: Path, *transmit_args: str) -> None:
    run, processed = pipeline(pdd, tmp_path / "direct", *transmit_args, "-i", "42")
    assert [s["status"] for s in report["statuses"]] == [s["status"] for s in processed.statuses]
    assert report["status"] == processed.status
    assert _digest(report["events"]) == _digest(processed.events)
    direct_files = [str(p.relative_to(processed.artifact_dir)) for p in processed.artifact_dir.rglob("*") if p.is_file()]
    assert _artifact_names(report["artifact_files"]) == _artifact_names(
        [n for n in direct_files if not n.startswith("job_events/")]
    )  # AWX's handler writes no event files
    assert report["artifact_rc"] == (processed.artifact_dir / "rc").read_text()
    assert report["artifact_status"] == (processed.artifact_dir / "status").read_text() == processed.status


def _assert_awx_accepts(report: dict, raw: bytes) -> None:
    assert report.get("exception") is None, report.get("exception")
    assert report["finished"] and report["job_env"] is not None  # AWX's status_handler found the env
    assert report["artifacts_handled"], "the artifacts zip was not unpacked"
    assert parse_stream(raw)[-1]["eof"] is True
    from awx_receiver import check_stream

    check_stream(raw)


def test_successful_job(mesh, tmp_path):
    pdd = make_data_dir(tmp_path, HELLO)
    report, raw, unit, worker_pdd = _run_through_mesh(mesh, pdd, tmp_path, "-p", "job.py")

    _assert_awx_accepts(report, raw)
    assert report["status"] == "successful" and report["artifact_rc"] == "0"
    assert [e["event"] for e in report["events"]][-1] == "playbook_on_stats"
    assert any(e["event"] == "runner_on_ok" and e["event_data"]["res"].get("stdout") == "hi" for e in report["events"])
    state = mesh.unit(unit)
    assert (state["StateName"], state["Detail"], state["StdoutSize"]) == ("Succeeded", "exit status 0", len(raw))
    assert not worker_pdd.exists()  # --delete
    _assert_same_as_direct_pipeline(report, pdd, tmp_path, "-p", "job.py")


def test_failed_job(mesh, tmp_path):
    pdd = make_data_dir(tmp_path, FAILING)
    report, raw, unit, _ = _run_through_mesh(mesh, pdd, tmp_path, "-p", "job.py")

    _assert_awx_accepts(report, raw)
    assert report["status"] == "failed" and report["artifact_rc"] == "2"
    failed = [e for e in report["events"] if e["event"] == "runner_on_failed"]
    assert len(failed) == 1 and failed[0]["event_data"]["res"]["rc"] == 3
    state = mesh.unit(unit)
    assert (state["StateName"], state["Detail"]) == ("Failed", "exit status 2")
    _assert_same_as_direct_pipeline(report, pdd, tmp_path, "-p", "job.py")


def test_unreachable_host(mesh, tmp_path):
    pdd = make_data_dir(tmp_path, UNREACHABLE, inventory=UNREACHABLE_INVENTORY)
    report, raw, unit, _ = _run_through_mesh(mesh, pdd, tmp_path, "-p", "job.py")

    _assert_awx_accepts(report, raw)
    assert report["status"] == "failed"
    dark = [e["event_data"]["host"] for e in report["events"] if e["event"] == "runner_on_unreachable"]
    assert dark == ["deadhost"]
    assert report["events"][-1]["event_data"]["dark"] == {"deadhost": 1}
    assert mesh.unit(unit)["StateName"] == "Failed"
    _assert_same_as_direct_pipeline(report, pdd, tmp_path, "-p", "job.py")


def test_ad_hoc_command(mesh, tmp_path):
    # AWX's ad hoc job: module and args as kwargs, the host pattern last in env/cmdline.
    pdd = make_data_dir(tmp_path, None, inventory="[targets]\nlocalhost ansible_connection=local\n", env_files={"cmdline": "targets"})
    args = ("-m", "command", "-a", "echo hello adhoc")
    report, raw, unit, _ = _run_through_mesh(mesh, pdd, tmp_path, *args)

    _assert_awx_accepts(report, raw)
    assert report["status"] == "successful"
    oks = [e for e in report["events"] if e["event"] == "runner_on_ok"]
    assert [e["event_data"]["res"]["stdout"] for e in oks] == ["hello adhoc"]
    _assert_same_as_direct_pipeline(report, pdd, tmp_path, *args)


def _awx_worker_info(mesh: Mesh) -> dict:
    """awx/main/tasks/receptor.py worker_info(): submit with an empty payload and ttl 20s, poll
    at most 20 s, read stdout, yaml.safe_load it, merge errors, require the three keys."""
    unit = mesh.submit("--worker-info", None, ttl="20s")
    state = mesh.wait_complete(unit, timeout=20)
    assert state["StateName"] == "Succeeded", state
    stdout = mesh.ctl("work", "results", unit).stdout.decode()
    data: dict = {"errors": []}
    remote = yaml.safe_load(stdout.strip())
    assert isinstance(remote, dict), stdout
    data["errors"].extend(remote.pop("errors", []))
    data.update(remote)
    for key in ("runner_version", "mem_in_bytes", "cpu_count"):
        if key not in data:
            data["errors"].append(f"Worker failed to return keys {key}")
    mesh.ctl("work", "release", unit)
    return data


def test_worker_info_health_check(mesh):
    data = _awx_worker_info(mesh)
    assert data["errors"] == []
    assert data["cpu_count"] == os.cpu_count()
    assert data["mem_in_bytes"] > 2**30
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", str(data["runner_version"]))
    assert re.fullmatch(r"[0-9a-f-]{36}", data["uuid"])
    assert _awx_worker_info(mesh)["uuid"] == data["uuid"]  # the node keeps its identity


def test_cancel_during_a_long_task(mesh, tmp_path):
    pdd, marker = _marked(tmp_path, LONG_JOB)
    worker_pdd = mesh.new_private_data_dir()
    unit = mesh.submit(f"--private-data-dir={worker_pdd} --delete", mesh.transmit(pdd, "-p", "job.py", "-i", "42"))
    followed = mesh.follow(unit, tmp_path / "awx", "42")
    followed.wait_for(b'"runner_on_start"', count=2)  # the long task has started
    assert processes_with_marker(marker)
    time.sleep(0.5)

    start = time.monotonic()
    done = mesh.ctl("work", "cancel", unit, timeout=30)
    assert unit.encode() in done.stdout, done.stdout
    report = followed.finish(timeout=10, close_results=True)
    reported = time.monotonic() - start
    deadline = start + 10
    while processes_with_marker(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = processes_with_marker(marker)

    assert left == [], "processes of the job are still running on the execution node"
    assert reported < 10, f"the controller had the final status only {reported:.1f}s after the cancel"
    state = mesh.unit(unit)
    remote = mesh.unit(mesh.remote_unit_id(unit), node=EXEC_NODE)
    assert (state["StateName"], remote["StateName"]) == ("Canceled", "Canceled"), (state, remote)
    # The worker's last words cross the mesh before the unit is marked canceled: the controller's
    # process step gets `canceled`, the artifacts and the eof, as from a direct pipeline.
    _assert_awx_accepts(report, bytes(followed.raw))
    assert report["status"] == "canceled" and report["artifact_rc"] == "254"
    assert remote["StdoutSize"] == len(followed.raw)
    assert not worker_pdd.exists()  # --delete holds on cancel too


def test_job_timeout(mesh, tmp_path):
    pdd, marker = _marked(tmp_path, LONG_JOB, env_files={"settings": json.dumps({"job_timeout": 3})})
    report, raw, unit, _ = _run_through_mesh(mesh, pdd, tmp_path, "-p", "job.py")

    _assert_awx_accepts(report, raw)
    assert report["status"] == "timeout" and report["artifact_rc"] == "254"
    state = mesh.unit(unit)
    assert (state["StateName"], state["Detail"]) == ("Failed", "exit status 254")
    assert processes_with_marker(marker) == []


def test_keepalives_cross_the_mesh(mesh, tmp_path):
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            with runner.task("silent"):
                await ftl.localhost.command(cmd="sleep 4")
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    report, raw, _, _ = _run_through_mesh(mesh, pdd, tmp_path, "-p", "job.py", extra_params="--keepalive-seconds 1")

    _assert_awx_accepts(report, raw)
    assert report["status"] == "successful"
    lines = parse_stream(raw)
    names = [line.get("event") for line in lines]
    start = names.index("runner_on_start")
    assert names[start : names.index("runner_on_ok")].count("keepalive") >= 2
    assert next(line for line in lines if line.get("event") == "keepalive") == {"event": "keepalive", "counter": 0, "uuid": 0}
    assert "keepalive" not in [e["event"] for e in report["events"]]  # the Processor ignored them


def test_50_mb_project_payload(mesh, tmp_path):
    script = """
    import hashlib, os
    async def run(inventory_path, extravars, runner):
        with open(os.path.join(os.getcwd(), "blob.bin"), "rb") as handle:
            print("sha256", hashlib.sha256(handle.read()).hexdigest())
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    blob = random.Random(17).randbytes(50 * 2**20)  # incompressible: the zip stays ~50 MB
    (pdd / "project" / "blob.bin").write_bytes(blob)
    report, raw, unit, _ = _run_through_mesh(mesh, pdd, tmp_path, "-p", "job.py")

    _assert_awx_accepts(report, raw)
    assert report["status"] == "successful"
    printed = [e["stdout"] for e in report["events"] if e["event"] == "verbose"]
    assert f"sha256 {hashlib.sha256(blob).hexdigest()}" in printed
    stdin = mesh.exec_datadir / EXEC_NODE / mesh.remote_unit_id(unit) / "stdin"
    assert stdin.stat().st_size > 50 * 2**20  # the whole payload crossed the mesh before the start
    mesh.ctl("work", "release", unit)  # frees its two ~70 MB copies (controller and execution node)
    assert not stdin.exists()


def test_ten_concurrent_jobs_through_one_node(mesh, tmp_path):
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            for i in range(3):
                await ftl.localhost.command(cmd="echo {token} " + str(i))
        return 0
    """
    tokens = [f"job{n}-{uuid.uuid4().hex[:8]}" for n in range(10)]
    units: dict[str, str] = {}
    errors: list[BaseException] = []

    def submit(n: int, token: str) -> None:
        try:
            pdd = make_data_dir(tmp_path / token, script.replace("{token}", token))
            params = f"--private-data-dir={mesh.new_private_data_dir()} --delete"
            units[token] = mesh.submit(params, mesh.transmit(pdd, "-p", "job.py", "-i", str(100 + n)))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(n, t)) for n, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert len(set(units.values())) == 10
    followed = {t: mesh.follow(units[t], tmp_path / t / "awx", str(100 + n)) for n, t in enumerate(tokens)}
    for n, token in enumerate(tokens):
        report = followed[token].finish(timeout=240)
        raw = bytes(followed[token].raw)
        _assert_awx_accepts(report, raw)
        assert report["status"] == "successful"
        assert report["statuses"][0]["runner_ident"] == str(100 + n)
        said = [e["event_data"]["res"]["stdout"] for e in report["events"] if e["event"] == "runner_on_ok"]
        assert said == [f"{token} {i}" for i in range(3)]
        for other in tokens:
            if other != token:
                assert other.encode() not in raw, f"{other} leaked into {token}'s results"
    mesh.ctl("work", "release", *units.values())


def test_release_cleans_the_unit_on_both_nodes(mesh, tmp_path):
    pdd = make_data_dir(tmp_path, HELLO)
    report, raw, unit, worker_pdd = _run_through_mesh(mesh, pdd, tmp_path, "-p", "job.py")
    assert report["status"] == "successful"
    remote = mesh.remote_unit_id(unit)
    remote_dir = mesh.exec_datadir / EXEC_NODE / remote
    assert (remote_dir / "stdout").read_bytes() == raw  # the execution node keeps the unit until released
    assert (remote_dir / "stdin").stat().st_size > 0

    mesh.ctl("work", "cancel", unit)  # AWX's reaper cancels before it releases
    assert mesh.unit(unit)["StateName"] == "Succeeded"  # a finished unit stays as it ended
    assert mesh.unit(remote, node=EXEC_NODE)["StateName"] == "Succeeded"
    done = mesh.ctl("work", "release", unit)
    assert unit.encode() in done.stdout
    deadline = time.monotonic() + 10
    while (remote in mesh.units(node=EXEC_NODE) or remote_dir.exists()) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert unit not in mesh.units()
    assert remote not in mesh.units(node=EXEC_NODE)
    assert not remote_dir.exists()
    assert not worker_pdd.exists()


def test_awx_cleanup_through_the_mesh(mesh):
    """AWX's periodic `worker cleanup` (Instance.get_cleanup_task_kwargs), as a work unit on the node."""
    base = mesh.isolation
    old_job, active_job, fresh_job = base / "awx_901_old", base / "awx_902_active", base / "awx_903_fresh"
    for path in (old_job, active_job, fresh_job):
        path.mkdir()
        (path / "file").write_text("x")
    two_hours_ago = time.time() - 7200
    for path in (old_job, active_job):
        os.utime(path / "file", (two_hours_ago, two_hours_ago))
        os.utime(path, (two_hours_ago, two_hours_ago))
    params = f'cleanup --exclude-strings="awx_902_" --file-pattern={base}/awx_*_* --grace-period=60'
    unit = mesh.submit(params, None)
    state = mesh.wait_complete(unit, timeout=60)
    stdout = mesh.ctl("work", "results", unit).stdout.decode()
    mesh.ctl("work", "release", unit)

    assert state["StateName"] == "Succeeded", (state, stdout)
    assert "(changed: True)" in stdout  # AWX logs the output only then
    assert not old_job.exists()
    assert active_job.exists() and fresh_job.exists()


def test_worker_killed_by_a_signal(mesh, tmp_path):
    """A worker that dies without its last words: Receptor says how, AWX's process step says error."""
    script = """
    import os, signal
    async def run(inventory_path, extravars, runner):
        os.kill(os.getppid(), signal.SIGKILL)  # the executor's parent: the worker itself
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    report, raw, unit, _ = _run_through_mesh(mesh, pdd, tmp_path, "-p", "job.py")
    state = mesh.unit(unit)
    assert (state["StateName"], state["Detail"]) == ("Failed", "signal: killed")
    assert report["status"] == "error" and b'{"eof": true}' not in raw
    assert state["StdoutSize"] == len(raw)  # what AWX's "last 1000 bytes of stdout" path reads


def test_unsigned_work_is_refused(mesh, tmp_path):
    """The execution node verifies signatures (AWX's receptor-worker.conf): unsigned work never starts."""
    marker = tmp_path / "started"
    script = f"""
    async def run(inventory_path, extravars, runner):
        open({str(marker)!r}, "w").close()
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    transmit = mesh.transmit(pdd, "-p", "job.py", "-i", "42")
    with pytest.raises(AssertionError, match="could not verify signature: signature is empty"):
        mesh.submit(f"--private-data-dir={mesh.new_private_data_dir()} --delete", transmit, signwork=False)
    assert not marker.exists()
