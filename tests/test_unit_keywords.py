"""Task and play keywords ported from playbooks: the pure parts, without a job (the compat cases run them whole)."""

from __future__ import annotations

import json

import pytest

from ftl2_runner.executor.actions import script_action, task_environment
from ftl2_runner.executor.actions.failures import CAUSE, SUMMARY, from_result
from ftl2_runner.executor.ftl2.remote_modules import ENVELOPE, bundle_bytes, module_result


def test_environments_merge_with_the_innermost_winning_and_values_as_text():
    layers = [{"A": "play", "B": "play"}, None, {"B": "block", "N": 3}, {"B": "task"}]
    assert task_environment.merged(layers, lambda v: v) == {"A": "play", "B": "task", "N": "3"}


def test_an_environment_that_renders_to_no_mapping_is_refused():
    with pytest.raises(task_environment.EnvironmentNotMapping, match="must be a dictionary"):
        task_environment.merged([{"A": "x"}], lambda v: "a string")


def test_controller_actions_and_collections_keep_their_own_paths():
    assert task_environment.applies("command") and task_environment.applies("ansible.builtin.stat")
    assert not task_environment.applies("debug") and not task_environment.applies("copy")
    assert not task_environment.applies("community.general.thing")


def test_a_bundles_result_travels_under_one_key_so_the_gate_keeps_its_stdout():
    result = {"changed": True, "stdout": "/root", "rc": 0}
    assert module_result({ENVELOPE: result, "stdout": json.dumps({ENVELOPE: result}), "rc": 0}) == result


def test_the_remote_script_step_is_shipped_as_a_module_of_the_bundle():
    import io
    import zipfile

    names = zipfile.ZipFile(io.BytesIO(bundle_bytes("ftl2_runner_script"))).namelist()
    assert "ansible/modules/ftl2_runner_script.py" in names and "__main__.py" in names


def test_a_script_is_looked_up_as_ansibles_find_needle_does(tmp_path):
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "run.sh").write_text("#!/bin/sh\n")
    assert script_action.find_script("run.sh", str(tmp_path))[0] == str(tmp_path / "files" / "run.sh")
    assert script_action.find_script("files/run.sh", str(tmp_path))[0] == str(tmp_path / "files" / "run.sh")
    missing, searched = script_action.find_script("files/gone.sh", str(tmp_path))
    assert missing is None and searched == [str(tmp_path / "files" / "gone.sh")] * 2


def test_a_missing_script_fails_with_ansibles_chained_error():
    res = {"changed": False, "failed": True, "msg": "m", CAUSE: "m", SUMMARY: "Task failed: m"}
    failure = from_result("script", res)
    assert failure is not None and failure.summary == "Task failed: m" and failure.cause == "m"
    assert CAUSE not in failure.res and SUMMARY not in failure.res


def test_with_lookups_give_their_plugins_items():
    from ftl2_runner.executor.vars import lookups

    assert lookups.items(["a", ["b", ["c"]]]) == ["a", "b", ["c"]]
    assert lookups.dict_items({"x": 1}) == [{"key": "x", "value": 1}]
    assert lookups.together([[1, 2, 3], ["a"]]) == [[1, "a"], [2, None], [3, None]]
    assert lookups.nested([["x", "y"], [1, 2]]) == [["x", 1], ["x", 2], ["y", 1], ["y", 2]]
    assert lookups.sequence(["start=1 end=3"]) == ["1", "2", "3"]
    assert lookups.sequence(["count=3 start=0 stride=2 format=h%02d"]) == ["h00", "h02", "h04"]
    assert lookups.sequence(["2-6/2"]) == ["2", "4", "6"]
    users = [{"name": "a", "groups": ["g1", "g2"]}, {"name": "b", "groups": []}]
    assert lookups.subelements(users, "groups") == [[{"name": "a"}, "g1"], [{"name": "a"}, "g2"]]
    assert users[0]["groups"] == ["g1", "g2"]  # the caller's data is not changed
    with pytest.raises(lookups.LookupError_, match="could not find 'nope'"):
        lookups.subelements(users, "nope")
    assert lookups.subelements(users, "nope", {"skip_missing": True}) == []


def test_with_fileglob_looks_under_files_and_lists_files_only(tmp_path):
    from ftl2_runner.executor.vars import lookups_controller

    (tmp_path / "files" / "conf").mkdir(parents=True)
    (tmp_path / "files" / "conf" / "a.txt").write_text("a")
    (tmp_path / "files" / "conf" / "d.txt").mkdir()
    assert lookups_controller.fileglob(["conf/*.txt"], str(tmp_path)) == [str(tmp_path / "files" / "conf" / "a.txt")]


def test_play_orders_are_ansibles_and_others_are_refused():
    from ftl2_runner.executor.api.plays import checked_order, in_play_order
    from ftl2_runner.executor.display.diagnostics import UsageError

    hosts = ["c1", "a1", "r1", "b2"]
    assert in_play_order(hosts, "inventory") == hosts
    assert in_play_order(hosts, "reverse_inventory") == ["b2", "r1", "a1", "c1"]
    assert in_play_order(hosts, "sorted") == ["a1", "b2", "c1", "r1"]
    assert in_play_order(hosts, "reverse_sorted") == ["r1", "c1", "b2", "a1"]
    assert sorted(in_play_order(hosts, "shuffle")) == sorted(hosts)
    assert hosts == ["c1", "a1", "r1", "b2"]  # the play's list is a copy
    with pytest.raises(UsageError, match="not one of Ansible's play orders"):
        checked_order("alphabetical")


def test_strategies_ftl2_runner_does_not_run_are_refused():
    from ftl2_runner.executor.api.plays import checked_strategy
    from ftl2_runner.executor.display.diagnostics import UsageError

    assert checked_strategy("free") == "free" and checked_strategy("linear") == "linear"
    with pytest.raises(UsageError, match="runs Ansible's linear and free strategies"):
        checked_strategy("host_pinned")


def test_throttle_runs_at_most_that_many_hosts_at_once():
    import asyncio

    from ftl2_runner.executor.tasks.executor import _throttled

    running, most = 0, 0

    def call_for(host):
        async def call():
            nonlocal running, most
            running += 1
            most = max(most, running)
            await asyncio.sleep(0.01)
            running -= 1
            return host

        return call

    async def all_of(limit):
        calls = _throttled([([h], call_for(h)) for h in ("a", "b", "c", "d", "e")], limit)
        return await asyncio.gather(*(c() for _, c in calls))

    assert asyncio.run(all_of(2)) == ["a", "b", "c", "d", "e"] and most == 2
    most = 0
    assert asyncio.run(all_of(0)) == ["a", "b", "c", "d", "e"] and most == 5  # 0: no limit


def test_a_tasks_host_limit_is_the_smaller_of_throttle_and_forks():
    from types import SimpleNamespace

    from ftl2_runner.executor.tasks.executor import TaskExecutor
    from ftl2_runner.executor.tasks.spec import TaskOptions

    def limit(throttle, forks):
        return TaskExecutor.host_limit(SimpleNamespace(settings=SimpleNamespace(forks=forks)), TaskOptions(throttle=throttle))

    assert (limit(0, None), limit(1, None), limit(0, 2), limit(3, 2), limit(1, 2)) == (0, 1, 2, 2, 1)
