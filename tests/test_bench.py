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


def test_round_trip_refuses_a_failed_job(tmp_path):
    failing = "async def run(inventory_path, extravars, runner):\n    return 2\n"
    with pytest.raises(RuntimeError, match="status"):
        run.full_round_trip(run.OUR_BIN, _pdd(tmp_path, failing), tmp_path, run._env(), "ftl2-runner")


def test_worker_only_runs_the_events_job(tmp_path):
    sample = run.worker_only(run.OUR_BIN, _pdd(tmp_path, scenarios.events_script(50)), tmp_path, run._env(),
                             "ftl2-runner")
    assert sample.seconds > 0 and sample.worker_rss > 0


def test_file_create_cost_is_measured_in_the_given_directory(tmp_path):
    assert run.file_create_cost(tmp_path, count=20) > 0
    assert list(tmp_path.iterdir()) == []  # its probe directory is removed


def _results(**medians: float) -> dict[str, run.Measure]:
    names = {
        "J2_ours": "J2 ftl2-runner", "J2_ref": "J2 ansible-runner", "J2_bare": "J2 bare FTL2",
        "J100_ours": "J100 ftl2-runner", "J100_ref": "J100 ansible-runner", "J100_bare": "J100 bare FTL2",
        "J10_ours": "J10x10 ftl2-runner", "J10_ref": "J10x10 ansible-runner",
        "E1k": "E1k ftl2-runner worker", "E10k": "E10k ftl2-runner worker", "Z100": "Z100 ftl2-runner",
        "info_ours": "worker-info ftl2-runner", "info_ref": "worker-info ansible-runner",
    }
    rss = {"E1k": 24 * 2**20, "E10k": 25 * 2**20, "Z100": 36 * 2**20}
    return {name: run.Measure(name, [run.Sample(medians[key], rss.get(key, 0), rss.get(key, 0))])
            for key, name in names.items()}


def _verdict(table: str, label: str) -> str:
    row = next(line for line in table.splitlines() if line.startswith(f"| {label} |"))
    return row.rstrip(" |").rsplit("|", 1)[1].strip()


@pytest.mark.parametrize(("j100_ours", "expected"), [(1.2, "yes"), (1.3, "**no**")])
def test_the_table_judges_targets_by_the_issues_thresholds(j100_ours, expected):
    results = _results(J2_ours=1.4, J2_ref=3.0, J2_bare=1.0, J100_ours=j100_ours, J100_ref=50.0, J100_bare=1.0,
                       J10_ours=1.0, J10_ref=30.0, E1k=0.5, E10k=3.0, Z100=9.0, info_ours=0.2, info_ref=0.2)
    table = run.render(results, 1, "2.4.3", "2.21.5", create_cost=25.0)
    assert _verdict(table, "J100 round trip vs bare FTL2") == expected
    assert _verdict(table, "J100 round trip vs ansible-runner") == ("yes" if 50.0 / j100_ours >= 40 else "**no**")
    assert _verdict(table, "J2 round trip vs bare FTL2") == "yes"  # 1.4 <= 1.5
    assert _verdict(table, "E10k events per second through the worker") == "yes"  # 10,000 / 3.0 s
    assert _verdict(table, "E10k worker RSS vs E1k") == "yes"  # 25 / 24 MiB
    assert "Creating a file in the work directory took 25 µs" in table
