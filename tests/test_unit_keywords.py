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
