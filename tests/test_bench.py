"""bench/: its measurements run real jobs, refuse failed ones, and its verdicts follow the targets.

The timings themselves are never asserted (they belong to `python -m bench.run`, not to
pytest); what is checked is that a measurement is of a real, successful job and that the
table marks each target met or not met by the issue's thresholds.
"""

from __future__ import annotations

import pytest

from bench import run, scenarios


def _pdd(tmp_path, script: str):
    return run._data_dir(tmp_path / "job", script, scenarios.LOCAL_INVENTORY)


def test_round_trip_measures_a_real_pipeline(tmp_path):
    sample = run.full_round_trip(run.OUR_BIN, _pdd(tmp_path, scenarios.J2_SCRIPT), tmp_path, run._env(), "ftl2-runner")
    assert sample.seconds > 0
    assert sample.peak_rss >= sample.worker_rss > 0  # the tree includes the worker
    assert sample.cpu > 0.1  # three Python processes that import ansible_runner, and the executor


def test_round_trip_refuses_a_failed_job(tmp_path):
    failing = "async def run(inventory_path, extravars, runner):\n    return 2\n"
    with pytest.raises(RuntimeError, match="status"):
        run.full_round_trip(run.OUR_BIN, _pdd(tmp_path, failing), tmp_path, run._env(), "ftl2-runner")


def test_worker_alone_runs_a_job_whose_stream_process_accepts(tmp_path):
    sample = run.worker_alone(run.OUR_CMD, run.OUR_CMD, _pdd(tmp_path, scenarios.J2_SCRIPT), tmp_path, run._env())
    assert sample.seconds > 0
    assert sample.peak_rss >= sample.worker_rss > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job"]  # the worker's and process's directories are removed


def test_worker_alone_refuses_a_failed_job_and_reports_one_when_asked(tmp_path):
    failing = _pdd(tmp_path, "async def run(inventory_path, extravars, runner):\n    return 2\n")
    with pytest.raises(RuntimeError, match="failed"):  # the worker exits 2, as ansible-runner's does
        run.worker_alone(run.OUR_CMD, run.OUR_CMD, failing, tmp_path, run._env())
    outcomes: dict[str, str] = {}
    run.worker_alone(run.OUR_CMD, run.OUR_CMD, failing, tmp_path, run._env(), outcomes, "J2 failing")
    assert outcomes == {"J2 failing": "failed"}


def test_worker_only_runs_the_events_job(tmp_path):
    sample = run.worker_only(run.OUR_BIN, _pdd(tmp_path, scenarios.events_script(50)), tmp_path, run._env(), "ftl2-runner")
    assert sample.seconds > 0 and sample.worker_rss > 0


def test_worker_to_receptor_stdout_runs_the_events_job_into_an_o_sync_file(tmp_path):
    pdd = _pdd(tmp_path, scenarios.events_script(50))
    sample = run.worker_to_receptor_stdout(run.OUR_BIN, pdd, tmp_path, run._env(), "ftl2-runner", 50)
    assert sample.seconds > 0 and sample.worker_rss > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["job"]  # the unit and worker directories are removed
    with pytest.raises(RuntimeError, match="50 verbose events, expected 51"):  # it counts what the stream carries
        run.worker_to_receptor_stdout(run.OUR_BIN, pdd, tmp_path, run._env(), "ftl2-runner", 51)


def test_the_o_sync_row_is_judged_against_the_pipe_row():
    results = _results(J100_ours=1.1, **_MEDIANS)
    for median, expected in ((3.3, "yes"), (4.5, "**no**")):  # the pipe row, E10k, is 3.0 s
        results[run.E10K_RECEPTOR] = run.Measure(run.E10K_RECEPTOR, [run.Sample(median, 0, 0)])
        table = run.render(results, 1, "2.4.3", "2.21.5", create_cost=25.0)
        assert _verdict(table, "E10k worker, O_SYNC file vs pipe") == expected  # <= 1.25x
        assert _verdict(table, "E10k events per second through the worker, stdout an O_SYNC file") == expected  # >= 3000/s


def test_file_create_cost_is_measured_in_the_given_directory(tmp_path):
    assert run.file_create_cost(tmp_path, count=20) > 0
    assert list(tmp_path.iterdir()) == []  # its probe directory is removed


def _results(**medians: float) -> dict[str, run.Measure]:
    names = {
        "J2_ours": "J2 ftl2-runner worker",
        "J2_trip": "J2 ftl2-runner round trip",
        "J2_ref": "J2 ansible-runner worker",
        "J2_bare": "J2 bare FTL2",
        "J100_ours": "J100 ftl2-runner worker",
        "J100_trip": "J100 ftl2-runner round trip",
        "J100_ref": "J100 ansible-runner worker",
        "J100_bare": "J100 bare FTL2",
        "J100_mitogen": "J100 ansible-runner + Mitogen worker",
        "J100_peer": "J100 older ftl2-runner worker",
        "J2_peer": "J2 older ftl2-runner worker",
        "J10_ours": "J10x10 ftl2-runner worker",
        "J10_ref": "J10x10 ansible-runner worker",
        "J10_mitogen": "J10x10 ansible-runner + Mitogen worker",
        "E1k": "E1k ftl2-runner worker",
        "E10k": "E10k ftl2-runner worker",
        "Z100": "Z100 ftl2-runner",
        "L12": "L12 ftl2-runner worker",
        "L25": "L25 ftl2-runner worker",
        "L50": "L50 ftl2-runner worker",
        "info_ours": "worker-info ftl2-runner",
        "info_ref": "worker-info ansible-runner",
    }
    rss = {
        "E1k": 24 * 2**20,
        "E10k": 25 * 2**20,
        "Z100": 36 * 2**20,
        "L12": (24 + 2 * 12) * 2**20,
        "L25": (24 + 2 * 25) * 2**20,
        "L50": (24 + 5 * 50) * 2**20,
    }
    return {
        name: run.Measure(name, [run.Sample(medians[key], rss.get(key, 0), rss.get(key, 0))])
        for key, name in names.items()
        if key in medians
    }


def _verdict(table: str, label: str) -> str:
    row = next(line for line in table.splitlines() if line.startswith(f"| {label} |"))
    return row.rstrip(" |").rsplit("|", 1)[1].strip()


_MEDIANS = dict(
    J2_ours=1.05,
    J2_trip=1.4,
    J100_trip=1.6,
    J2_ref=3.0,
    J2_bare=1.0,
    J100_ref=60.0,
    J100_bare=1.0,
    J100_mitogen=8.0,
    J10_ours=1.0,
    J10_ref=30.0,
    J10_mitogen=6.0,
    E1k=0.5,
    E10k=3.0,
    Z100=9.0,
    L12=2.0,
    L25=4.0,
    L50=8.0,
    info_ours=0.2,
    info_ref=0.2,
)


@pytest.mark.parametrize(("j100_ours", "expected"), [(1.1, "yes"), (1.2, "**no**")])
def test_the_table_judges_targets_by_the_issues_thresholds(j100_ours, expected):
    results = _results(J100_ours=j100_ours, **_MEDIANS)
    table = run.render(results, 1, "2.4.3", "2.21.5", create_cost=25.0)
    assert _verdict(table, "J100 worker vs bare FTL2") == expected  # <= 1.15x
    assert _verdict(table, "J100 worker vs ansible-runner's worker") == "yes"  # 60 / 1.2 = 50 >= 45
    assert _verdict(table, "J2 worker vs bare FTL2") == "yes"  # 1.05 <= 1.10
    assert "| J100 round trip vs bare FTL2 | 1.60 | (no target) × |" in table  # reported, not judged
    assert _verdict(table, "E10k events per second through the worker") == "yes"  # 10,000 / 3.0 s
    assert _verdict(table, "E10k worker RSS vs E1k") == "yes"  # 25 / 24 MiB
    assert _verdict(table, "L25 worker RSS above E1k's, per byte of the line") == "yes"  # 2 bytes per byte
    assert _verdict(table, "L50 worker RSS above E1k's, per byte of the line") == "**no**"  # 5 bytes per byte
    assert f"| J100 worker vs ansible-runner + Mitogen's worker | {8.0 / j100_ours:.2f} |" in table
    assert "older ftl2-runner" not in table  # no --peer: no row for it
    assert "Creating a file in the work directory took 25 µs" in table


def test_the_older_runner_is_judged_and_its_outcome_reported():
    results = _results(J100_ours=1.1, J100_peer=1.0, J2_peer=1.1, **_MEDIANS)
    table = run.render(results, 1, "2.4.3", "2.21.5", create_cost=25.0, outcomes={"J2 older ftl2-runner worker": "exception"})
    assert _verdict(table, "J100 worker vs the older ftl2-runner's worker") == "**no**"  # 1.1 > 1.0
    assert _verdict(table, "J2 worker vs the older ftl2-runner's worker") == "yes"  # 1.05 <= 1.0 x 1.1
    assert "J2 older ftl2-runner worker: what upstream `ansible-runner process` made of its stream: exception." in table


def test_the_pipeline_floor_is_a_real_successful_job(tmp_path):
    from bench import floors

    env = dict(run._env(), **floors.PIPELINE_ONLY_ENV)
    sample = run.full_round_trip(run.OUR_BIN, _pdd(tmp_path, floors.NOTHING_SCRIPT), tmp_path, env, "ftl2-runner")
    assert sample.seconds > 0 and sample.worker_rss > 0
    alone = run.worker_alone(run.OUR_CMD, run.OUR_CMD, _pdd(tmp_path / "alone", floors.NOTHING_SCRIPT), tmp_path, env)
    assert alone.seconds > 0 and alone.worker_rss > 0


def test_the_filter_floor_holds_the_line_more_than_once():
    """Upstream's filter keeps its buffer, a getvalue() copy and the event's slice: well over 2 bytes per byte."""
    from bench import floors

    assert floors.filter_peak_per_byte(1) > 2.5


def test_floors_are_reported_when_measured(monkeypatch):
    results = _results(J100_ours=1.1, **_MEDIANS)
    results[run.J0_ROUND_TRIP] = run.Measure("J0", [run.Sample(0.5, 0, 0, cpu=0.8)])
    results[run.J0_WORKER] = run.Measure("J0", [run.Sample(0.3, 0, 0, cpu=0.4)])
    results["J2 bare FTL2"].samples[0].cpu = 0.6
    results["J100 bare FTL2"].samples[0].cpu = 0.9
    monkeypatch.setattr(run.os, "cpu_count", lambda: 2)
    table = run.render(results, 1, "2.4.3", "2.21.5", create_cost=25.0, filter_floor=3.25, event_ceiling=5000.0)
    assert "| floor: J0 round trip (no FTL2, no task) vs J2 bare FTL2 | 0.50 |" in table
    assert "| floor: (J0 round trip CPU + J2 bare FTL2 CPU) / 2 CPUs vs J2 bare FTL2 | 0.70 |" in table  # (0.8 + 0.6) / 2 / 1.0
    assert "| floor: (J0 round trip CPU + J100 bare FTL2 CPU) / 2 CPUs vs J100 bare FTL2 | 0.85 |" in table
    assert "| floor: J0 worker (no FTL2, no task) vs J2 bare FTL2 | 0.30 |" in table
    assert "| floor: (J0 worker CPU + J2 bare FTL2 CPU) / 2 CPUs vs J2 bare FTL2 | 0.50 |" in table  # (0.4 + 0.6) / 2 / 1.0
    assert "| floor: L12 in upstream's event filter alone, peak per byte (tracemalloc) | 3.25 |" in table
    assert "| ceiling: events per second of upstream's filter, Runner.event_callback and Worker.event_handler alone | 5000.00 |" in table
    assert "| J2 bare FTL2 | 1 | 1.00 | 1.00–1.00 | 0.60 |" in table  # runs, then the CPU column


def test_the_event_ceiling_runs_upstreams_path_over_real_partial_files(tmp_path):
    from bench import floors

    assert floors.upstream_event_rate(200, tmp_path) > 0
    assert list(tmp_path.iterdir()) == []  # Runner read and removed every partial file; nothing is left


# --- remote rows (issue 32) ------------------------------------------------------------------------


def _event(name: str, counter: int, task: str | None = None, host: str | None = None) -> bytes:
    import json

    data = {k: v for k, v in (("task", task), ("host", host)) if v is not None}
    return json.dumps({"uuid": str(counter), "counter": counter, "event": name, "event_data": data}).encode()


def _stream(order: list[tuple[str, str | None, str | None]]) -> bytes:
    lines = [_event("playbook_on_start", 1)] + [_event(name, i + 2, task, host) for i, (name, task, host) in enumerate(order)]
    return b"\n".join([*lines, _event("playbook_on_stats", len(order) + 2), b'{"status": "successful"}', b""])


def test_the_order_check_accepts_ansibles_order_and_names_what_breaks_it():
    from bench import remote

    good = []
    for task in ("ping", "stat"):
        good += [("playbook_on_task_start", task, None), ("runner_on_start", task, "a"), ("runner_on_start", task, "b")]
        good += [("runner_on_ok", task, "b"), ("runner_on_ok", task, "a")]  # hosts finish in any order
    assert remote.order_problems(_stream(good), ["ping", "stat"], ["a", "b"]) == []
    late = good[:4] + good[5:] + [good[4]]  # a's ping result after the stat task started
    problems = remote.order_problems(_stream(late), ["ping", "stat"], ["a", "b"])
    assert any("runner_on_ok of a for task 'ping' after task 'stat' started" in p for p in problems), problems
    missing = [e for e in good if e != ("runner_on_start", "stat", "b")]
    assert any("stat on b: ['result']" in p for p in remote.order_problems(_stream(missing), ["ping", "stat"], ["a", "b"]))


def test_the_remote_table_judges_issue_32s_targets():
    from bench import remote

    def measure(name: str, seconds: float, rss_mib: float = 80, cpu: float = 1.0, target_cpu: float = 2.0) -> run.Measure:
        return run.Measure(name, [run.Sample(seconds, int(rss_mib * 2**20), 25 * 2**20, cpu=cpu, target_cpu=target_cpu)])

    results = {
        name: measure(name, seconds, rss)
        for name, seconds, rss in (
            ("R10 ftl2-runner worker", 2.0, 80),
            ("R30 ftl2-runner worker", 5.0, 85),
            ("R100 ftl2-runner worker", 14.0, 150),
            ("R30 ansible-runner worker, forks 5", 60.0, 300),
            ("R30 ansible-runner worker, forks 30", 45.0, 900),
            ("R30 bare FTL2", 6.0, 70),
        )
    }
    table = "\n".join(remote.render(results, [10, 30, 100], {"R30 bare FTL2": "failed: Permission denied"}))
    assert _verdict(table, "R30 worker vs ansible-runner's, forks 5") == "yes"  # 12x
    assert _verdict(table, "R30 worker vs ansible-runner's, forks 30") == "**no**"  # 9x
    assert _verdict(table, "slope R10→R100, s per host for 5 tasks") == "yes"  # 12 s / 90 hosts = 0.13
    assert _verdict(table, "worker tree RSS growth R10→R100, MiB per host") == "yes"  # 70 MiB / 90
    assert "| R30 ftl2-runner worker | 1 | 5.00 | 5.00–5.00 | 0.0–0.0 | 33 ms | 67 ms |" in table  # CPU per host
    assert "R30 bare FTL2: failed: Permission denied." in table


@pytest.mark.skipif(not __import__("compat.sshd", fromlist=["SSHD"]).SSHD, reason="openssh-server is not installed (.ci/run installs it)")
def test_a_remote_row_runs_a_real_job_over_sshd_and_counts_the_targets_cpu(tmp_path):
    from bench import remote

    gates = tmp_path / "gates"
    import subprocess

    subprocess.run([str(run.OUR_CMD), "gate", "build", "--output-dir", str(gates)], check=True, capture_output=True, env=run._env())
    target = remote.start_target(tmp_path / "target")
    try:
        sides = remote.Sides(run.OUR_CMD, run.OUR_BIN, run.OUR_BIN, {}, gates, run.sys.executable)
        ((name, action),) = [row for row in remote.plans(2, target, sides, tmp_path, False, {}) if "ftl2-runner" in row[0]]
        sample = action()  # the stream is checked by `process` and by the order check
        assert name == "R2 ftl2-runner worker" and sample.seconds > 0 and sample.worker_rss > 0
        assert sample.target_cpu > 0.05  # two gates and their modules ran under the sshd
    finally:
        target.stop()
    assert sorted(p.name for p in (tmp_path / "R2" / "dest").iterdir()) == ["h000", "h001"]  # the file task ran on each
