"""AWX's transport end to end: real Receptor meshes on 127.0.0.1 (tests/receptor_mesh.py).

Jobs go the way AWX sends them: stock ``ansible-runner transmit`` on the controller, piped into
``receptorctl work submit ansible-runner --node exec --payload - --param params="--private-data-dir=... --delete"``;
the execution node's work-command runs ``ftl2-runner worker``; ``receptorctl work results`` is
read by stock ansible-runner's process streamer with AWX's handlers (tests/awx_controller.py).
What the controller gets is compared with the direct pipeline (transmit | worker | Processor) of
tests/test_worker.py, so the mesh must change nothing.

Topologies: controller -> execution node (most tests); controller -> hop -> execution node with
TLS on every link; controller -> two execution nodes. Faults: the execution node's receptor killed
and restarted under running jobs, ``work cancel`` at ten moments after submit, a cancel after a
restart. Jobs run on the default warm executor (LONG_JOB prints its executor's command line).

The receptor binary comes from .ci/build-receptor (PATH). Without one these tests skip, except
under ``FTL2_RECEPTOR_REQUIRED`` (set by .ci/run), where they fail. The same contract runs
everywhere through tests/receptor_standin.py.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import random
import re
import shutil
import time
import uuid
from pathlib import Path

import pytest
import yaml
from receptor_mesh import (
    EXEC_NODE,
    HOP_NODE,
    THROUGH_A_HOP,
    TWO_EXECUTION_NODES,
    Mesh,
    make_ca,
    make_node_certificate,
    receptorctl_path,
)
from receptor_standin import executor_command_lines, processes_with_marker
from streams import make_data_dir, parse_stream, pipeline

RECEPTOR = shutil.which("receptor")
RECEPTORCTL = receptorctl_path()
_MISSING = "no receptor binary on PATH (.ci/build-receptor builds one; see README, 'Receptor tests')"

if (RECEPTOR is None or RECEPTORCTL is None) and os.environ.get("FTL2_RECEPTOR_REQUIRED"):
    pytest.fail(f"FTL2_RECEPTOR_REQUIRED is set but there is {_MISSING}", pytrace=False)
pytestmark = pytest.mark.skipif(RECEPTOR is None or RECEPTORCTL is None, reason=_MISSING)
WARM_EXECUTOR = "-m ftl2_runner.executor.warm"

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
    # The executor's command line, as ps shows it: the warm one is `-m ftl2_runner.executor.warm N`.
    print("executor:", open("/proc/self/cmdline").read().replace(chr(0), " "), flush=True)
    # A child that leaves the job's process group, as daemonising tools do.
    subprocess.Popen(["sleep", "600"], start_new_session=True)
    async with runner.automation() as ftl:
        await ftl.localhost.command(cmd="echo started")
        await ftl.localhost.command(cmd="sleep 600")
    return 0
"""


def _started_mesh(root: Path, **kwargs) -> Mesh:
    from compat.reference import ensure_reference_env

    started = Mesh(root, RECEPTOR, RECEPTORCTL, ensure_reference_env(), **kwargs)
    try:
        started.start()
    except BaseException:
        started.stop()
        raise
    return started


@pytest.fixture(scope="module")
def mesh(tmp_path_factory):
    """controller -> exec, as most AWX installs have it."""
    node_pair = _started_mesh(tmp_path_factory.mktemp("mesh"))
    yield node_pair
    node_pair.stop()


def _marked(tmp_path: Path, script: str, env_files: dict[str, str] | None = None, **kwargs) -> tuple[Path, str]:
    """A controller-side data dir whose job processes all carry a unique marker in their env."""
    marker = uuid.uuid4().hex
    files = {"envvars": json.dumps({"RUNNER_TEST_MARKER": marker})}
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


def _assert_warm(report: dict) -> None:
    """The job ran in the warm executor, the default path (LONG_JOB prints its command line)."""
    said = [e["stdout"] for e in report["events"] if (e.get("stdout") or "").startswith("executor:")]
    assert said and WARM_EXECUTOR in said[0], said


def _command_runner_of(mesh: Mesh, unit: str) -> tuple[int, int]:
    """(command runner pid, worker pid) of a running unit on the execution node."""
    runner = mesh.unit(mesh.remote_unit_id(unit), node=EXEC_NODE)["ExtraData"]["Pid"]
    children = []
    for task in os.listdir(f"/proc/{runner}/task"):  # a Go program forks from any of its threads
        with open(f"/proc/{runner}/task/{task}/children") as handle:
            children += [int(pid) for pid in handle.read().split()]
    (worker,) = children
    return runner, worker


def test_cancel_during_a_long_task(mesh, tmp_path):
    pdd, marker = _marked(tmp_path, LONG_JOB)
    worker_pdd = mesh.new_private_data_dir()
    unit = mesh.submit(f"--private-data-dir={worker_pdd} --delete", mesh.transmit(pdd, "-p", "job.py", "-i", "42"))
    followed = mesh.follow(unit, tmp_path / "awx", "42")
    followed.wait_for(b'"runner_on_start"', count=2)  # the long task has started
    assert processes_with_marker(marker)
    assert [WARM_EXECUTOR in line for line in executor_command_lines(marker)] == [True]  # ps: the warm executor
    # What tests/receptor_standin.py does too: the worker is the command runner's child, in its
    # session and process group, writing stdout and stderr to the unit's stdout file, O_SYNC.
    runner, worker = _command_runner_of(mesh, unit)
    assert os.getsid(worker) == os.getpgid(worker) == runner == os.getsid(runner)
    with open(f"/proc/{worker}/fdinfo/1") as handle:
        flags = int(next(line for line in handle if line.startswith("flags:")).split()[1], 8)
    assert flags & os.O_SYNC == os.O_SYNC and flags & os.O_ACCMODE == os.O_WRONLY and not flags & os.O_APPEND
    stdout = mesh.exec_datadir / EXEC_NODE / mesh.remote_unit_id(unit) / "stdout"
    assert os.path.samefile(f"/proc/{worker}/fd/1", stdout) and os.path.samefile(f"/proc/{worker}/fd/2", stdout)
    time.sleep(0.5)

    start = time.monotonic()
    done = mesh.ctl("work", "cancel", unit, timeout=30)
    assert unit.encode() in done.stdout, done.stdout
    report = followed.finish(timeout=10, close_results=True)
    reported = time.monotonic() - start
    deadline = start + 10
    while processes_with_marker(marker, cwd_under=worker_pdd) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = processes_with_marker(marker, cwd_under=worker_pdd)

    assert left == [], "processes of the job are still running on the execution node"
    assert mesh.wait_for_no_leftovers() == []
    _assert_warm(report)
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
    _assert_warm(report)
    state = mesh.unit(unit)
    assert (state["StateName"], state["Detail"]) == ("Failed", "exit status 254")
    assert processes_with_marker(marker) == []
    assert mesh.wait_for_no_leftovers() == []


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


# --- AWX's other topologies: a hop node with TLS everywhere, an instance group of two nodes --------


def test_through_a_hop_node_with_tls_and_signed_work(tmp_path_factory, tmp_path):
    """controller -> hop -> exec, every link TLS as AWX's installer sets it up: listeners are
    ``tls-server`` with ``requireclientcert`` and the mesh CA, peers ``tls-client`` with it as root,
    every node's certificate names its node ID in Receptor's otherName SAN. Signed work crosses the
    hop; a node whose certificate names another node cannot start; a node with a certificate from
    another CA cannot join."""
    from receptor_mesh import Node

    hop_mesh = _started_mesh(tmp_path_factory.mktemp("hop"), topology=THROUGH_A_HOP, tls=True)
    try:
        status = hop_mesh.status()
        assert [c["NodeID"] for c in status["Connections"]] == [HOP_NODE]  # no direct link to exec
        assert status["RoutingTable"] == {EXEC_NODE: HOP_NODE, HOP_NODE: HOP_NODE}

        pdd = make_data_dir(tmp_path, HELLO)
        report, raw, unit, worker_pdd = _run_through_mesh(hop_mesh, pdd, tmp_path, "-p", "job.py")
        _assert_awx_accepts(report, raw)
        assert report["status"] == "successful"
        _assert_same_as_direct_pipeline(report, pdd, tmp_path, "-p", "job.py")
        local = hop_mesh.unit(unit)
        assert (local["StateName"], local["ExtraData"]["SignWork"], local["ExtraData"]["RemoteNode"]) == ("Succeeded", True, EXEC_NODE)
        remote = hop_mesh.unit(local["ExtraData"]["RemoteUnitID"], node=EXEC_NODE)
        assert (remote["StateName"], remote["StdoutSize"]) == ("Succeeded", len(raw))
        assert not worker_pdd.exists()
        assert hop_mesh.wait_for_no_leftovers() == []

        tls = hop_mesh.root / "tls"
        # The execution node's certificate and key under another node ID: receptor refuses to start.
        for suffix in ("crt", "key"):
            shutil.copy(tls / f"{EXEC_NODE}.{suffix}", tls / f"impostor.{suffix}")
        hop_mesh.topology["impostor"] = Node("impostor", peers=(HOP_NODE,))
        assert hop_mesh.start_node("impostor").wait(15) != 0
        assert (
            f"nodeID=impostor not found in certificate name(s); names found=[{EXEC_NODE}]" in (hop_mesh.root / "impostor.log").read_text()
        )
        # A certificate (naming its node) from another CA: the hop requires one from the mesh CA.
        make_node_certificate(tls, make_ca(hop_mesh.root / "other-ca", "other-CA"), "rogue")
        hop_mesh.topology["rogue"] = Node("rogue", peers=(HOP_NODE,))
        hop_mesh.start_node("rogue")
        deadline = time.monotonic() + 15
        while "tls: certificate required" not in (hop_mesh.root / "rogue.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "tls: certificate required" in (hop_mesh.root / "rogue.log").read_text()
        assert "tls: client didn't provide a certificate" in (hop_mesh.root / "hop.log").read_text()
        assert "rogue" not in hop_mesh.status()["RoutingTable"]
    finally:
        hop_mesh.stop()


EVENTFUL = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("say who"):
            await ftl.localhost.command(cmd="echo {token}")
        for i in range(5):
            print("{token}", i)
    return 0
"""


def test_twenty_concurrent_jobs_over_two_execution_nodes(tmp_path_factory, tmp_path):
    """An instance group of two execution nodes: 20 jobs at once, 10 on each. Each job's events are
    all there, numbered 1..N, only its own; each ran on the node it was sent to; nothing is left."""
    group = _started_mesh(tmp_path_factory.mktemp("group"), topology=TWO_EXECUTION_NODES)
    try:
        nodes = group.execution_nodes()
        jobs = [(n, f"job{n}-{uuid.uuid4().hex[:8]}", nodes[n % 2]) for n in range(20)]

        def submit(job: tuple[int, str, str]) -> tuple[str, Path]:
            n, token, node = job
            pdd = make_data_dir(tmp_path / token, EVENTFUL.replace("{token}", token))
            worker_pdd = group.new_private_data_dir()
            params = f"--private-data-dir={worker_pdd} --delete"
            return group.submit(params, group.transmit(pdd, "-p", "job.py", "-i", str(100 + n)), node=node), worker_pdd

        with concurrent.futures.ThreadPoolExecutor(max_workers=5) as pool:
            submitted = list(pool.map(submit, jobs))
        units = [unit for unit, _ in submitted]
        assert len(set(units)) == 20
        followed = [group.follow(unit, tmp_path / token / "awx", str(100 + n)) for (n, token, _), unit in zip(jobs, units, strict=True)]
        reports = [f.finish(timeout=240) for f in followed]

        direct, _ = pipeline(make_data_dir(tmp_path / "direct", EVENTFUL.replace("{token}", "direct")), tmp_path / "direct", "-p", "job.py")
        expected = [e["event"] for e in direct.events]
        for (n, token, node), unit, f, report, (_, worker_pdd) in zip(jobs, units, followed, reports, submitted, strict=True):
            raw = bytes(f.raw)
            _assert_awx_accepts(report, raw)
            assert report["status"] == "successful", (token, report["statuses"])
            assert report["statuses"][0]["runner_ident"] == str(100 + n)
            assert [e["event"] for e in report["events"]] == expected, token  # every event, in order
            assert [e["counter"] for e in report["events"]] == list(range(1, len(expected) + 1))
            said = [e["event_data"]["res"]["stdout"] for e in report["events"] if e["event"] == "runner_on_ok"]
            assert said == [token]
            assert [e["stdout"] for e in report["events"] if e["event"] == "verbose"] == [f"{token} {i}" for i in range(5)]
            assert all(other.encode() not in raw for _, other, _ in jobs if other != token), f"another job leaked into {token}'s"
            assert report["job_env"]["HOME"] == str(group.root / f"{node}-home")  # it ran where it was sent
            remote = group.unit(group.unit(unit)["ExtraData"]["RemoteUnitID"], node=node)
            assert (remote["StateName"], remote["StdoutSize"]) == ("Succeeded", len(raw))
            assert not worker_pdd.exists()
        assert group.wait_for_no_leftovers() == [], "processes of the jobs are still running on the execution nodes"
        group.ctl("work", "release", *units)
    finally:
        group.stop()


# --- faults: the execution node's receptor restarted under running jobs; cancel at any moment ------

RESUMED_JOB = """
async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await ftl.localhost.command(cmd="echo started")
        with runner.task("outlives the node's receptor"):
            await ftl.localhost.command(cmd="sleep 8")
        await ftl.localhost.command(cmd="echo after the restart")
    return 0
"""


def test_execution_node_restarted_under_running_jobs(tmp_path_factory, tmp_path):
    """The execution node's receptor is killed (SIGKILL) while two jobs run, and started again.

    The command runners and workers live on (receptor starts them in their own session), the
    restarted node resumes monitoring its units, and the controller's results resume: one job ends
    ``successful`` with eof, byte for byte what the node has. The other is canceled after the
    restart: the cancel returns at once (the runner is no longer receptor's child, so it does not
    wait for it), the unit is ``Canceled``, the worker still ends its stream with ``canceled`` and
    eof on the node, and nothing is left running. Receptor 1.4.8 sends the controller only the
    bytes the node had when the cancel came (its canceled unit's StdoutSize stays as it was), as
    it does for any cancel after which AWX stops reading."""
    node_pair = _started_mesh(tmp_path_factory.mktemp("restart"))
    try:
        resumed_pdd = make_data_dir(tmp_path / "resumed", RESUMED_JOB)
        canceled_pdd, marker = _marked(tmp_path / "canceled", LONG_JOB)
        resumed = node_pair.submit(
            f"--private-data-dir={node_pair.new_private_data_dir()} --delete", node_pair.transmit(resumed_pdd, "-p", "job.py", "-i", "1")
        )
        canceled = node_pair.submit(
            f"--private-data-dir={node_pair.new_private_data_dir()} --delete", node_pair.transmit(canceled_pdd, "-p", "job.py", "-i", "2")
        )
        follow_resumed = node_pair.follow(resumed, tmp_path / "awx-resumed", "1")
        follow_canceled = node_pair.follow(canceled, tmp_path / "awx-canceled", "2")
        follow_resumed.wait_for(b'"runner_on_start"', count=2)
        follow_canceled.wait_for(b'"runner_on_start"', count=2)
        runners_and_workers = [pid for unit in (resumed, canceled) for pid in _command_runner_of(node_pair, unit)]

        node_pair.kill_node(EXEC_NODE)
        time.sleep(1)
        assert set(runners_and_workers) <= set(node_pair.leftovers()), "the jobs died with the node's receptor"
        node_pair.start_node(EXEC_NODE)
        node_pair.wait_until_routed()

        start = time.monotonic()
        node_pair.ctl("work", "cancel", canceled, timeout=30)
        assert time.monotonic() - start < 3, "the cancel waited for the command runner"
        remote_canceled = node_pair.remote_unit_id(canceled)
        assert node_pair.unit(canceled)["StateName"] == node_pair.unit(remote_canceled, node=EXEC_NODE)["StateName"] == "Canceled"

        report = follow_resumed.finish(timeout=150)  # the controller's results resume (after ~30 s)
        raw = bytes(follow_resumed.raw)
        _assert_awx_accepts(report, raw)
        assert report["status"] == "successful"
        assert any(e["event"] == "runner_on_ok" and e["event_data"]["res"].get("stdout") == "after the restart" for e in report["events"])
        assert [e["counter"] for e in report["events"]] == list(range(1, len(report["events"]) + 1))
        remote_resumed = node_pair.remote_unit_id(resumed)
        assert raw == (node_pair.exec_datadir / EXEC_NODE / remote_resumed / "stdout").read_bytes()
        assert node_pair.unit(resumed)["StateName"] == node_pair.unit(remote_resumed, node=EXEC_NODE)["StateName"] == "Succeeded"

        assert node_pair.wait_for_no_leftovers() == [], "processes of the jobs are still running on the execution node"
        assert processes_with_marker(marker) == []
        unit_dir = node_pair.exec_datadir / EXEC_NODE / remote_canceled
        on_node = (unit_dir / "stdout").read_bytes()
        lines = parse_stream(on_node)
        assert [line["status"] for line in lines if "status" in line][-1] == "canceled" and lines[-1]["eof"] is True
        from awx_receiver import check_stream

        check_stream(on_node)
        assert json.loads((unit_dir / "status").read_text())["Detail"] == "Killed"  # the command runner's last word
        follow_canceled.results.terminate()  # as AWX stops reading a canceled job's results
        follow_canceled.controller.kill()
        follow_canceled.results.wait(10)
        follow_canceled.controller.wait(10)
        assert on_node.startswith(bytes(follow_canceled.raw))
    finally:
        node_pair.stop()


def test_cancel_at_ten_moments_after_submit(mesh, tmp_path):
    """``work cancel`` from 0 to 3 s after ``work submit`` returned (receiving, unpacking, starting,
    running): every job ends ``canceled`` with eof and leaves no process (stock ansible-runner left
    54 in the same run). Two jobs at a time."""
    from awx_receiver import check_stream

    delays = [round(3 * i / 9, 2) for i in range(10)]

    def cancel_at(n: int, delay: float) -> tuple[float, str, dict, bytes, str, Path]:
        pdd, marker = _marked(tmp_path / f"moment{n}", LONG_JOB)
        payload = mesh.payload(pdd, "-p", "job.py", "-i", str(200 + n))
        worker_pdd = mesh.new_private_data_dir()
        unit = mesh.submit(f"--private-data-dir={worker_pdd} --delete", payload)
        submitted = time.monotonic()
        followed = mesh.follow(unit, tmp_path / f"moment{n}" / "awx", str(200 + n))
        time.sleep(max(0.0, delay - (time.monotonic() - submitted)))
        mesh.ctl("work", "cancel", unit, timeout=30)
        report = followed.finish(timeout=30, close_results=True)
        return delay, unit, report, bytes(followed.raw), marker, worker_pdd

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(cancel_at, range(10), delays))
    for delay, unit, report, raw, marker, worker_pdd in outcomes:
        statuses = [s["status"] for s in report["statuses"]]
        assert report.get("exception") is None and report["finished"], (delay, report.get("exception"))
        assert report["status"] == "canceled" and statuses[-1] == "canceled" and statuses.count("canceled") == 1, (delay, statuses)
        assert parse_stream(raw)[-1]["eof"] is True, delay
        check_stream(raw)
        assert mesh.unit(unit)["StateName"] == mesh.unit(mesh.remote_unit_id(unit), node=EXEC_NODE)["StateName"] == "Canceled"
        assert processes_with_marker(marker, cwd_under=worker_pdd) == [], f"processes left after the cancel at {delay} s"
        assert not worker_pdd.exists()
    assert mesh.wait_for_no_leftovers() == [], "processes of the jobs are still running on the execution node"
