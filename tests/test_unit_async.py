"""async/poll: the job module on this machine (a real detached process), and the compat masking of job ids."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from compat import normalize
from ftl2_runner.executor.actions import async_action


def _spec(polls: list[Any], ends: list[Any], seconds: int = 10, poll: int = 1) -> async_action.AsyncSpec:
    return async_action.AsyncSpec(seconds, poll, lambda host, res: polls.append(res), lambda host, res: ends.append(res))


def test_a_polled_job_ends_with_the_modules_result_and_the_jobs_keys(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    polls: list[Any] = []
    ends: list[Any] = []
    res = asyncio.run(async_action.run(None, "l1", True, "shell", {"cmd": "echo hi"}, {}, _spec(polls, ends)))
    assert res["finished"] is True and res["started"] is True
    assert res["stdout"] == "hi" and res["stdout_lines"] == ["hi"] and res["rc"] == 0
    assert res["results_file"] == os.path.join(str(tmp_path), ".ansible_async", res["ansible_job_id"])
    assert polls == [] and ends == [res]


def test_poll_zero_reports_the_start_and_async_status_reads_the_job(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    spec = _spec([], [], poll=0)
    started = asyncio.run(async_action.run(None, "l1", True, "command", {"cmd": "sleep 1"}, {}, spec))
    assert started["changed"] is True and started["finished"] is False and "failed" not in started
    running = asyncio.run(async_action.status(None, "l1", True, started["ansible_job_id"]))
    assert running["finished"] is False and running["results_file"] == started["results_file"]


def test_a_job_over_its_time_is_killed_with_timeout_exceeded(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    started = asyncio.run(async_action.start(None, "l1", True, "command", {"cmd": "sleep 30"}, 1, None))

    async def after(seconds: float) -> Any:
        await asyncio.sleep(seconds)
        return await async_action.status(None, "l1", True, started["ansible_job_id"])

    done = asyncio.run(after(2.6))  # a one-second limit is checked every half second, written a second after the kill
    assert done["finished"] is True and done["failed"] is True and done["msg"] == "Timeout exceeded"


def test_a_failed_command_is_worded_as_ansible_core_2_21_words_it(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    ends: list[Any] = []
    res = asyncio.run(async_action.run(None, "l1", True, "command", {"cmd": "false"}, {}, _spec([], ends)))
    assert res["failed"] is True and res["msg"] == "The command exited with a non-zero return code."


def test_job_ids_and_child_pids_are_masked_only_where_they_are_job_ids() -> None:
    masker = normalize.Masker([])
    assert masker.value("j717893901827.1437", "ansible_job_id") == "<jid>"
    assert masker.value("ASYNC OK on l1: jid=j717893901827.1437") == "ASYNC OK on l1: jid=<jid>"
    assert masker.value("/root/.ansible_async/j1.2") == "/root/.ansible_async/<jid>"
    assert masker.value('{"child_pid": 12481, "x": 1}') == '{"child_pid": <pid>, "x": 1}'
    assert masker.value("j717893901827.1437", "stdout") == "j717893901827.1437"


def test_async_events_sort_with_their_hosts_results() -> None:
    def event(name: str, host: str, task: str = "t") -> dict[str, Any]:
        return {"event": name, "counter": 0, "event_data": {"task_uuid": task, "host": host}}

    records = [
        event("runner_on_start", "b"),
        event("runner_on_start", "a"),
        event("runner_on_async_poll", "b", task="poll-b"),
        event("runner_on_async_ok", "b"),
        event("runner_on_ok", "b"),
        event("runner_on_async_ok", "a"),
        event("runner_on_ok", "a"),
    ]
    order = [(r["event"], r["event_data"]["host"]) for r in normalize.sort_host_results(records)]
    assert order[2:] == [
        ("runner_on_async_ok", "a"),
        ("runner_on_ok", "a"),
        ("runner_on_async_poll", "b"),
        ("runner_on_async_ok", "b"),
        ("runner_on_ok", "b"),
    ]
