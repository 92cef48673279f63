"""FTL2 results classified as Ansible outcomes, and script events shaped for AWX (unit tier)."""

from __future__ import annotations

import json

import pytest

from ftl2_runner.executor.actions import failures
from ftl2_runner.executor.actions.results import classify
from ftl2_runner.executor.api.custom_events import shape_custom_event


def test_ok_and_skipped():
    assert classify(True, {"changed": False, "ping": "pong"}, None) == ("ok", {"changed": False, "ping": "pong"})
    assert classify(True, None, None) == ("ok", {})
    assert classify(True, {"skipped": True, "msg": "Skipped: x"}, None) == ("skipped", {"skipped": True, "msg": "Skipped: x"})
    assert classify(True, {"skipped": "yes"}, None)[0] == "ok"  # only a real True skips


def test_failed_gets_a_message_from_error_or_rc():
    assert classify(False, {}, "module crashed") == ("failed", {"msg": "module crashed"})
    assert classify(True, {"failed": True, "rc": 3}, None) == ("failed", {"failed": True, "rc": 3, "msg": "non-zero return code"})
    assert classify(False, {"msg": "own"}, "other") == ("failed", {"msg": "own"})
    assert classify(False, {"rc": 0}, None) == ("failed", {"rc": 0})


def test_unreachable_only_for_connection_causes():
    outcome, res = classify(False, {"x": 1}, "Remote execution failed: Failed to connect to 10.0.0.1:22")
    assert (outcome, res) == ("unreachable", {"changed": False, "msg": "Failed to connect to 10.0.0.1:22", "unreachable": True})
    assert classify(False, {}, "Remote execution failed: SSH authentication failed")[0] == "unreachable"
    assert classify(False, {}, "Remote execution failed: ModuleNotFoundError: x")[0] == "failed"
    assert classify(False, {}, "Failed to connect")[0] == "failed"  # not FTL2's remote-failure text


def test_classify_does_not_change_its_input():
    output = {"failed": True}
    classify(False, output, "boom")
    assert output == {"failed": True}


def test_custom_event_with_an_unknown_name_becomes_verbose():
    name, data, text = shape_custom_event({"event": "custom_progress", "message": "Phase 1 complete", "pct": 50})
    assert (name, text) == ("verbose", "Phase 1 complete")
    assert data == {"message": "Phase 1 complete", "pct": 50, "custom_event": "custom_progress"}


def test_custom_event_with_a_known_name_and_its_text():
    name, data, text = shape_custom_event({"event": "warning", "stdout": "shown", "message": "kept", "event_data": {"a": 1}})
    assert (name, text) == ("warning", "shown")  # stdout before message before msg
    assert data == {"a": 1, "message": "kept"}  # envelope keys are not data
    assert shape_custom_event({"msg": 3}) == ("verbose", {"msg": 3}, "3")
    assert shape_custom_event({"event": "debug"}) == ("debug", {}, None)
    assert shape_custom_event({"event_data": {"k": "given"}, "k": "top"})[1] == {"k": "top"}  # top level wins


def test_custom_event_refuses_what_is_not_a_dict():
    with pytest.raises(TypeError, match="takes a dict"):
        shape_custom_event(["custom_progress"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="event_data must be a dict"):
        shape_custom_event({"event": "debug", "event_data": "x"})


def test_a_module_ftl2_cannot_find_reads_as_ansibles_run_time_failure():
    ftl2 = {"msg": "Failed to resolve module: Module not found: ansible.builtin.comand\nSearched paths:\n  /x/comand.py", "stdout": ""}
    failure = failures.from_result("comand", ftl2)
    assert failure is not None
    assert failure.res == {"changed": False, "msg": "Task failed: Cannot resolve 'comand' to an action or module."}
    assert failures.from_result("command", {"msg": "non-zero return code", "rc": 1}) is None
    assert failures.from_result("command", {"msg": ["not", "text"]}) is None


def test_a_failed_modules_own_answer_is_unwrapped_from_ftl2s_stdout():
    answer = {"rc": 257, "failed": True, "msg": "Destination /x does not exist !", "invocation": {"module_args": {}}}
    wrapped = {"failed": True, "msg": answer["msg"], "stdout": "\n" + json.dumps(answer) + "\n", "stderr": ""}
    assert failures.module_answer(wrapped) == answer
    # anything else is left as it is: a result with its own keys, stdout that is not a failed answer
    kept = [
        dict(wrapped, rc=1),
        dict(wrapped, stdout="plain text"),
        dict(wrapped, stdout=json.dumps({"changed": True})),
        dict(wrapped, stdout="{not json"),
        dict(wrapped, failed=False),
        "not a dict",
    ]
    for output in kept:
        assert failures.module_answer(output) is output


def test_copy_from_a_missing_source_is_ansibles_action_failure():
    failure = failures.from_exception("copy", "FileNotFoundError: Source file not found: /srv/app.conf")
    assert failure is not None
    text = "Could not find or access '/srv/app.conf' on the Ansible Controller."
    assert failure.res == {"changed": False, "msg": f"Unexpected AnsibleActionFail error: {text}"}
    assert failure.summary == f"Task failed: Unexpected AnsibleActionFail error: {text}"
    assert failure.headline == "Task failed: Unexpected AnsibleActionFail error."
    assert failure.cause is not None and failure.cause.endswith("see the remote_src option.")
    assert failures.from_exception("command", "FileNotFoundError: Source file not found: /x") is None
