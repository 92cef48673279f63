"""Jobs in threads of one process: FTL2 jobs run side by side, and stock ansible-runner beside them stays stock.

``ftl2_runner.run()`` and ``run_worker()`` are Python APIs: a host program (a controller, a test
harness, ansible-runner's own test suite) may call them from several threads, and may call
``ansible_runner.run()`` at the same time. The seam to upstream (``processes/upstream.py``) passes
our classes to upstream's code per call and changes nothing in ansible-runner's modules, so:

* two FTL2 jobs in two threads overlap in time and each produces its own, complete artifacts;
* a stock ``ansible_runner.run()`` — direct, or streamed through upstream's own ``Worker`` — that runs
  while an FTL2 job is running builds upstream's ``RunnerConfig``, spawns upstream's command and
  keeps its files where upstream keeps them;
* a job that times out kills its own processes, not those of the job beside it.

ansible-core is not installed here, so the stock jobs run ansible-runner's RAW mode: a ``binary``
(``/bin/sh``) whose command line (``cmdline``) names a shell script in ``project/``.
"""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path
from typing import Any

import ansible_runner
from ansible_runner.config.runner import RunnerConfig
from streams import make_data_dir, parse_stream, process

import ftl2_runner

WAIT = 60  # seconds any side waits for the other before it gives up

# Says it has started, then waits (bounded) until the test lets it go on.
WAITING_JOB = """
import asyncio, os, time
async def run(inventory_path, extravars, runner):
    open(extravars["started"], "w").close()
    deadline = time.monotonic() + extravars["wait"]
    while not os.path.exists(extravars["go"]) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    async with runner.automation() as ftl:
        await ftl.localhost.command(cmd="echo " + extravars["name"])
    return 0 if os.path.exists(extravars["go"]) else 3
"""

STOCK_SCRIPT = 'echo "stock binary ran in $(pwd)"\n'
STOCK_JOB = {"binary": "/bin/sh", "cmdline": "hello.sh", "settings": {"job_timeout": WAIT}}


def _ftl2_data_dir(root: Path, name: str, **extravars: Any) -> Path:
    pdd = make_data_dir(root / name, WAITING_JOB)
    (pdd / "env").mkdir()
    (pdd / "env" / "extravars").write_text(json.dumps({"name": name, "wait": WAIT, **extravars}))
    return pdd


def _stock_data_dir(root: Path) -> Path:
    pdd = make_data_dir(root / "stock", STOCK_SCRIPT, name="hello.sh", inventory=None)
    return pdd


def _wait_for(path: Path, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not path.exists():
        assert time.monotonic() < deadline, f"{what} did not start within {WAIT} s"
        time.sleep(0.05)


class _Thread(threading.Thread):
    """A thread that keeps what its target returned or raised."""

    def __init__(self, target: Any, name: str):
        super().__init__(name=name, daemon=True)
        self._target_function = target
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self._target_function()
        except BaseException as exc:  # re-raised in the test's thread by outcome()
            self.error = exc

    def outcome(self) -> Any:
        self.join(WAIT * 2)
        assert not self.is_alive(), f"{self.name} did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def _check_stock_job(pdd: Path, runner: Any, ident: str) -> None:
    artifacts = pdd / "artifacts" / ident
    command = json.loads((artifacts / "command").read_text())["command"]
    assert command == ["/bin/sh", "hello.sh"], command  # the command stock ansible-runner builds, not our executor
    assert type(runner.config) is RunnerConfig
    assert (runner.status, runner.rc) == ("successful", 0)
    assert f"stock binary ran in {pdd / 'project'}" in (artifacts / "stdout").read_text()


def test_stock_ansible_runner_beside_an_ftl2_job_is_stock(tmp_path):
    ftl2_pdd = _ftl2_data_dir(tmp_path, "ftl2-job", started=str(tmp_path / "started"), go=str(tmp_path / "go"))
    ftl2_job = _Thread(lambda: ftl2_runner.run(private_data_dir=str(ftl2_pdd), playbook="job.py", ident="ftl2", quiet=True), "ftl2-job")
    ftl2_job.start()
    try:
        _wait_for(tmp_path / "started", "the FTL2 job")
        spool_before = sorted(p.name for p in ftl2_pdd.iterdir())

        # ansible_runner.run(), as a host program calls it
        stock_pdd = _stock_data_dir(tmp_path)
        runner = ansible_runner.run(private_data_dir=str(stock_pdd), ident="direct", quiet=True, **STOCK_JOB)
        _check_stock_job(stock_pdd, runner, "direct")

        # and streamed: transmit | upstream's own Worker | Processor, as ansible-runner's worker tests run it
        sent = io.BytesIO()
        sent.name = "transmit"
        ansible_runner.run(streamer="transmit", _output=sent, private_data_dir=str(stock_pdd), **STOCK_JOB)
        received = io.BytesIO()
        received.name = "worker"
        worker_dir = tmp_path / "stock-worker"
        worker = ansible_runner.run(
            streamer="worker", _input=io.BytesIO(sent.getvalue()), _output=received, private_data_dir=str(worker_dir)
        )
        assert type(worker) is ansible_runner.streaming.Worker
        lines = parse_stream(received.getvalue())
        statuses = [line for line in lines if "status" in line]
        assert statuses[0]["status"] == "starting" and statuses[0]["command"] == ["/bin/sh", "hello.sh"], statuses[0]
        assert statuses[-1]["status"] == "successful", statuses[-1]
        processed = process(received.getvalue(), tmp_path / "stock-controller", statuses[0]["runner_ident"])
        assert processed.status == "successful"
        assert any(f"stock binary ran in {worker_dir / 'project'}" in event["stdout"] for event in processed.events)
        # upstream's temporary zips went where upstream puts them, not into the FTL2 job's data dir
        assert sorted(p.name for p in ftl2_pdd.iterdir()) == spool_before
    finally:
        (tmp_path / "go").touch()
    ftl2 = ftl2_job.outcome()
    assert (ftl2.status, ftl2.rc) == ("successful", 0)
    assert ftl2.config.command[1:4] == ["-P", "-m", "ftl2_runner.executor"]


def _event_times(events: list[dict[str, Any]]) -> tuple[str, str]:
    return events[0]["created"], events[-1]["created"]


def test_two_ftl2_jobs_in_two_threads_run_at_the_same_time(tmp_path):
    """Each job waits until the other has started: run one after the other, neither could finish."""
    runs = {}
    for name, other in (("first", "second"), ("second", "first")):
        pdd = _ftl2_data_dir(tmp_path, name, started=str(tmp_path / f"started-{name}"), go=str(tmp_path / f"started-{other}"))
        runs[name] = (
            pdd,
            _Thread(lambda pdd=pdd, name=name: ftl2_runner.run(private_data_dir=str(pdd), playbook="job.py", ident=name, quiet=True), name),
        )
    for _, thread in runs.values():
        thread.start()
    results = {name: thread.outcome() for name, (_, thread) in runs.items()}

    spans = {}
    for name, runner in results.items():
        pdd = runs[name][0]
        assert (runner.status, runner.rc) == ("successful", 0), (pdd / "artifacts" / name / "stdout").read_text()
        events = list(runner.events)
        assert [e["event"] for e in events][0] == "playbook_on_start" and events[-1]["event"] == "playbook_on_stats"
        ok = [e for e in events if e["event"] == "runner_on_ok"]
        assert [e["event_data"]["res"]["stdout"] for e in ok] == [name]  # its own task, not the other job's
        assert {e["runner_ident"] for e in events} == {name}
        assert (pdd / "artifacts" / name / "status").read_text() == "successful"
        assert len(list((pdd / "artifacts" / name / "job_events").glob("*.json"))) == len(events)
        spans[name] = _event_times(events)
    (first_start, first_end), (second_start, second_end) = spans["first"], spans["second"]
    assert first_start < second_end and second_start < first_end, spans  # the two jobs overlapped in time


def _streamed(pdd: Path, **kwargs: Any) -> bytes:
    sent = io.BytesIO()
    sent.name = "transmit"
    ansible_runner.run(streamer="transmit", _output=sent, private_data_dir=str(pdd), playbook="job.py", **kwargs)
    return sent.getvalue()


def _run_worker(stream: bytes, worker_dir: Path) -> tuple[tuple[str, int | None], bytes]:
    out = io.BytesIO()
    out.name = "worker"
    status = ftl2_runner.run_worker(private_data_dir=str(worker_dir), keepalive_seconds=0, _input=io.BytesIO(stream), _output=out)
    return status, out.getvalue()


def test_two_workers_in_two_threads_run_at_the_same_time(tmp_path):
    threads = {}
    for name, other in (("first", "second"), ("second", "first")):
        pdd = _ftl2_data_dir(tmp_path, name, started=str(tmp_path / f"started-{name}"), go=str(tmp_path / f"started-{other}"))
        stream = _streamed(pdd, ident=name)
        threads[name] = _Thread(lambda stream=stream, name=name: _run_worker(stream, tmp_path / f"worker-{name}"), name)
    for thread in threads.values():
        thread.start()
    spans = {}
    for name, thread in threads.items():
        (status, rc), stream = thread.outcome()
        assert (status, rc) == ("successful", 0)
        processed = process(stream, tmp_path / f"controller-{name}", name)
        assert processed.status == "successful" and processed.finished
        ok = [e for e in processed.events if e["event"] == "runner_on_ok"]
        assert [e["event_data"]["res"]["stdout"] for e in ok] == [name]
        assert (processed.artifact_dir / "status").read_text() == "successful"
        # the worker's spool (upstream's temporary zips) is gone with the job
        assert not [p for p in (tmp_path / f"worker-{name}").iterdir() if p.name.startswith(".ftl2-runner-spool-")]
        spans[name] = _event_times(processed.events)
    (first_start, first_end), (second_start, second_end) = spans["first"], spans["second"]
    assert first_start < second_end and second_start < first_end, spans


SURVIVOR_JOB = """
import asyncio, os, time
async def run(inventory_path, extravars, runner):
    open(extravars["started"], "w").close()
    deadline = time.monotonic() + extravars["wait"]
    while not os.path.exists(extravars["go"]) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    print("still alive after the other job's timeout", flush=True)
    return 0
"""

DOOMED_JOB = """
import os, time
async def run(inventory_path, extravars, runner):
    deadline = time.monotonic() + extravars["wait"]
    while not os.path.exists(extravars["survivor_started"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(600)
"""


def test_a_job_that_times_out_kills_its_own_processes_not_the_other_jobs(tmp_path):
    """After a timeout the worker kills every process of its job; a job started after it in the
    same host program keeps running (its executor is not one of the timed-out job's processes)."""
    started, go = tmp_path / "survivor-started", tmp_path / "timed-out"
    survivor = make_data_dir(tmp_path / "survivor", SURVIVOR_JOB)
    (survivor / "env").mkdir()
    (survivor / "env" / "extravars").write_text(json.dumps({"started": str(started), "go": str(go), "wait": WAIT}))
    doomed = make_data_dir(
        tmp_path / "doomed",
        DOOMED_JOB,
        env_files={
            "settings": json.dumps({"job_timeout": 10, "pexpect_timeout": 1}),
            "extravars": json.dumps({"survivor_started": str(started), "wait": WAIT}),
        },
    )
    doomed_stream, survivor_stream = _streamed(doomed, ident="doomed"), _streamed(survivor, ident="survivor")
    doomed_thread = _Thread(lambda: _run_worker(doomed_stream, tmp_path / "w-doomed"), "doomed")
    doomed_thread.start()  # first: the survivor's executor is spawned while the doomed job runs
    survivor_thread = _Thread(lambda: _run_worker(survivor_stream, tmp_path / "w-survivor"), "survivor")
    survivor_thread.start()
    (status, _), _ = doomed_thread.outcome()
    assert started.exists(), "the surviving job had not started when the other job timed out"
    assert status == "timeout"
    go.touch()
    (status, rc), stream = survivor_thread.outcome()
    processed = process(stream, tmp_path / "controller", "survivor")
    assert (status, rc) == ("successful", 0), [e["stdout"] for e in processed.events]
    assert any("still alive after the other job's timeout" in e["stdout"] for e in processed.events)
