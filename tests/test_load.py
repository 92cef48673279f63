"""Stream integrity under load: big outputs, many events, many jobs at once, keepalives."""

from __future__ import annotations

import concurrent.futures
import json
import uuid

from streams import make_data_dir, pipeline, process, run_worker, transmit, worker_env


def _integrity(run) -> None:
    assert run.stderr == b""
    counters = [e["counter"] for e in run.events]
    assert counters == list(range(1, len(counters) + 1))
    assert len({e["uuid"] for e in run.events}) == len(run.events)


def test_five_megabytes_of_task_output(tmp_path):
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            await ftl.localhost.shell(cmd="head -c 5000000 /dev/zero | tr '\\\\0' 'y'")
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful"
    _integrity(run)
    ok = next(e for e in run.events if e["event"] == "runner_on_ok")
    assert ok["event_data"]["res"] == {}  # larger than MAX_EVENT_RES, as ansible-runner does


def test_ten_thousand_events(tmp_path):
    script = """
    async def run(inventory_path, extravars, runner):
        for i in range(10000):
            runner.display(f"event number {i}")
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful"
    _integrity(run)
    shown = [e["stdout"] for e in run.events if e["event"] == "verbose"]
    assert [s.split("event number ")[1].split("\x1b")[0] for s in shown] == [str(i) for i in range(10000)]
    assert len(processed.events) == len(run.events)


def test_ten_jobs_at_once_do_not_cross_talk(tmp_path):
    script = """
    async def run(inventory_path, extravars, runner):
        async with runner.automation() as ftl:
            for i in range(5):
                await ftl.localhost.command(cmd="echo " + extravars["marker"])
        return 0
    """
    jobs = []
    for index in range(10):
        marker = uuid.uuid4().hex
        root = tmp_path / f"job{index}"
        pdd = make_data_dir(root, script, env_files={"extravars": json.dumps({"marker": marker})})
        jobs.append((marker, root, transmit(pdd, "-p", "job.py", "-i", f"job{index}")))

    def work(job):
        marker, root, stream = job
        return marker, root, run_worker(stream, root / "w", timeout=300)

    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(work, jobs))
    all_markers = {marker for marker, _, _ in results}
    for marker, root, run in results:
        assert run.final_status == "successful"
        _integrity(run)
        text = run.stdout.decode()
        assert text.count(marker) >= 5
        assert not any(other in text for other in all_markers - {marker})
        processed = process(run.stdout, root / "c", run.statuses[0]["runner_ident"])
        assert processed.status == "successful"


def test_keepalives_never_split_lines_under_load(tmp_path):
    script = """
    import asyncio
    async def run(inventory_path, extravars, runner):
        for burst in range(20):
            for i in range(200):
                runner.display("x" * 300)
            await asyncio.sleep(0.15)
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    run = run_worker(transmit(pdd, "-p", "job.py"), tmp_path / "w", env=worker_env(ANSIBLE_RUNNER_KEEPALIVE_SECONDS="0.1"))
    assert run.final_status == "successful"
    raw_lines = run.stdout.split(b"\n")[:-1]
    keepalive = b'{"event": "keepalive", "counter": 0, "uuid": 0}'
    assert sum(1 for line in raw_lines if line == keepalive) >= 3
    for line in raw_lines[:-1]:
        json.loads(line)  # every line but the zip+eof line is one JSON document
    assert raw_lines[-1].endswith(b'{"eof": true}') and keepalive not in raw_lines[-1]
    eof_index = max(i for i, line in enumerate(raw_lines) if line.startswith(b'{"zipfile"'))
    assert all(line != keepalive for line in raw_lines[eof_index:])
    _integrity(run)
