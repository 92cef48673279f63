"""FTL2 results classified as Ansible outcomes, and script events shaped for AWX (unit tier)."""

from __future__ import annotations

import pytest

from ftl2_runner.executor.custom_events import shape_custom_event
from ftl2_runner.executor.results import classify


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
