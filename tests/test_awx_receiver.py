"""The AWX contract checker used on every test stream must itself reject what AWX rejects."""

from __future__ import annotations

import json

import pytest
from awx_receiver import AwxContractError, check_stream

STARTING = {"status": "starting", "runner_ident": "1", "command": ["x"], "env": {"A": "1"}, "cwd": "/"}


def _event(counter, start, end, **overrides):
    event = {
        "uuid": f"u{counter}",
        "counter": counter,
        "stdout": "",
        "start_line": start,
        "end_line": end,
        "runner_ident": "1",
        "event": "verbose",
        "created": "2026-11-26T22:08:02.597045+00:00",
        "event_data": {},
    }
    event.update(overrides)
    return event


def _stream(*records):
    lines = [STARTING, {"status": "running", "runner_ident": "1"}, *records, {"status": "successful", "runner_ident": "1"}]
    return b"".join(json.dumps(r).encode() + b"\n" for r in lines) + b'{"eof": true}\n'


def test_a_valid_stream_passes():
    assert check_stream(_stream(_event(1, 0, 1, stdout="hello"), _event(2, 1, 1)))["status"] == "successful"


@pytest.mark.parametrize(
    ("records", "complaint"),
    [
        ([_event(1, 0, 0, event="runner_policy_evaluation")], "not in AWX's EVENT_TYPES"),
        ([_event(1, 0, 0), _event(3, 0, 0)], "not contiguous"),
        ([{k: v for k, v in _event(1, 0, 0).items() if k != "end_line"}], "without integer end_line"),
        ([_event(1, 0, 1, stdout="a\r\n")], "trailing newline"),
        ([_event(1, 0, 0, created="yesterday")], "not ISO-8601"),
        ([_event(1, 0, 0, event_data={"host": 5})], "host is not a string"),
        ([_event(1, 0, 0, event="playbook_on_stats", event_data={"ok": {"h": "1"}})], "stats"),
        ([_event(1, 2, 2)], "expected 0"),
    ],
)
def test_contract_violations_are_reported(records, complaint):
    with pytest.raises(AwxContractError, match=complaint):
        check_stream(_stream(*records))
