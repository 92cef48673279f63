"""PlaybookRecorder's event stream, seen through an in-memory channel (unit tier).

The recorder builds what ansible-runner's awx_display callback would emit: event order,
``parent_uuid`` links, key order of ``event_data``, stats and the exit code.
"""

from __future__ import annotations

from typing import Any

import pytest

from ftl2_runner.executor.display.events import PlaybookRecorder
from ftl2_runner.executor.display.formatting import Formatter


class MemoryChannel:
    """What PlaybookRecorder needs of a DisplayChannel: ``emit`` and a ``forwarded_event`` slot."""

    def __init__(self) -> None:
        self.events: list[tuple[dict[str, Any], str | None]] = []
        self.forwarded_event: Any = None
        self.before_event: Any = None

    def emit(self, partial: dict[str, Any], text: str | None) -> None:
        self.events.append((partial, text))

    def names(self) -> list[str]:
        return [event["event"] for event, _ in self.events]

    def named(self, name: str) -> list[dict[str, Any]]:
        return [event for event, _ in self.events if event["event"] == name]


def recorder(environ: dict[str, str] | None = None) -> tuple[PlaybookRecorder, MemoryChannel]:
    channel = MemoryChannel()
    return PlaybookRecorder(channel, Formatter(colour=False), playbook="site.py", environ=environ or {}), channel  # type: ignore[arg-type]


def run_two_tasks(rec: PlaybookRecorder) -> None:
    rec.playbook_start()
    rec.play_start("web", "all")
    ping = rec.task_start("ping", "ping", "ansible.builtin.ping", "site.py:3")
    rec.host_result(ping, "h1", "ok", {"changed": True})
    rec.host_result(ping, "h2", "failed", {"changed": False, "msg": "boom"})
    rec.task_end()
    cmd = rec.task_start("cmd", "command", "ansible.builtin.command", "site.py:4")
    rec.host_result(cmd, "h1", "skipped", {"skipped": True})
    rec.host_result(cmd, "h3", "unreachable", {"changed": False, "msg": "Failed to connect", "unreachable": True})
    rec.task_end()
    rec.playbook_stats()


def test_event_order_of_a_playbook():
    rec, channel = recorder()
    run_two_tasks(rec)
    assert channel.names() == [
        "playbook_on_start",
        "playbook_on_play_start",
        "playbook_on_task_start",
        "runner_on_start",
        "runner_on_ok",
        "runner_on_start",
        "runner_on_failed",
        "playbook_on_task_start",
        "runner_on_start",
        "runner_on_skipped",
        "runner_on_start",
        "runner_on_unreachable",
        "playbook_on_stats",
    ]
    texts = [text for _, text in channel.events]
    assert texts[4] == "changed: [h1]" and texts[3] is None
    assert texts[6] == 'fatal: [h2]: FAILED! => {"changed": false, "msg": "boom"}'
    assert "h2                         : ok=0    changed=0    unreachable=0    failed=1 " in texts[-1]


def test_parent_uuid_links_playbook_play_task_host():
    rec, channel = recorder()
    run_two_tasks(rec)
    (start,) = channel.named("playbook_on_start")
    (play,) = channel.named("playbook_on_play_start")
    tasks = channel.named("playbook_on_task_start")
    assert start["uuid"] == rec.playbook_uuid and "parent_uuid" not in start
    assert play["parent_uuid"] == rec.playbook_uuid
    assert [t["parent_uuid"] for t in tasks] == [play["uuid"], play["uuid"]]
    per_host = [e for e, _ in channel.events if e["event"].startswith("runner_on_")]
    assert [e["parent_uuid"] for e in per_host] == [tasks[0]["uuid"]] * 4 + [tasks[1]["uuid"]] * 4
    assert channel.named("playbook_on_stats")[0]["parent_uuid"] == rec.playbook_uuid
    assert len({e["uuid"] for e, _ in channel.events}) == len(channel.events)
    assert all(e["uuid"] == e["event_data"]["uuid"] for e, _ in channel.events)
    assert all(e["event_data"]["playbook_uuid"] == rec.playbook_uuid for e, _ in channel.events)


def test_event_keys_in_awx_display_order():
    rec, channel = recorder({"JOB_ID": "42"})
    run_two_tasks(rec)
    ok = channel.named("runner_on_ok")[0]
    assert list(ok) == ["event", "job_id", "pid", "uuid", "created", "parent_uuid", "event_data"]
    assert ok["job_id"] == 42
    assert list(ok["event_data"]) == [
        "playbook",
        "playbook_uuid",
        "play",
        "play_uuid",
        "play_pattern",
        "task",
        "task_uuid",
        "task_action",
        "resolved_action",
        "task_args",
        "task_path",
        "host",
        "remote_addr",
        "res",
        "start",
        "end",
        "duration",
        "event_loop",
        "uuid",
    ]
    assert (ok["event_data"]["task"], ok["event_data"]["host"], ok["event_data"]["res"]) == ("ping", "h1", {"changed": True})


def test_stats_and_exit_code():
    rec, channel = recorder()
    run_two_tasks(rec)
    data = channel.named("playbook_on_stats")[0]["event_data"]
    assert {key: data[key] for key in ("changed", "dark", "failures", "ignored", "ok", "processed", "rescued", "skipped")} == {
        "changed": {"h1": 1},
        "dark": {"h3": 1},
        "failures": {"h2": 1},
        "ignored": {},
        "ok": {"h1": 1},
        "processed": {"h1": 1, "h2": 1, "h3": 1},
        "rescued": {},
        "skipped": {"h1": 1},
    }
    assert rec.exit_code() == 4  # unreachable wins over failed


@pytest.mark.parametrize(
    ("outcome", "ignore_errors", "rc"),
    [("ok", False, 0), ("failed", False, 2), ("failed", True, 0), ("unreachable", False, 4), ("skipped", False, 0)],
)
def test_exit_code_of_one_result(outcome, ignore_errors, rc):
    rec, channel = recorder()
    rec.playbook_start()
    rec.play_start("p", "all")
    task = rec.task_start("t", "ping", "ping", "site.py:1", ignore_errors=ignore_errors)
    rec.host_result(task, "h", outcome, {"changed": False})
    rec.playbook_stats()
    assert rec.exit_code() == rc
    if ignore_errors:
        data = channel.named("playbook_on_stats")[0]["event_data"]
        assert (data["ok"], data["ignored"], data["failures"]) == ({"h": 1}, {"h": 1}, {})
        assert channel.events[-2][1].endswith("\n...ignoring")


def test_a_host_result_is_recorded_once():
    rec, channel = recorder()
    rec.playbook_start()
    rec.play_start("p", "all")
    task = rec.task_start("t", "ping", "ping", "site.py:1")
    rec.host_result(task, "h", "ok", {})
    rec.host_result(task, "h", "failed", {})
    assert channel.names()[-2:] == ["runner_on_start", "runner_on_ok"]
    assert rec.exit_code() == 0


def test_results_of_an_earlier_task_carry_that_tasks_context():
    rec, channel = recorder()
    rec.playbook_start()
    rec.play_start("p", "all")
    first = rec.task_start("first", "ping", "ping", "site.py:1")
    second = rec.task_start("second", "ping", "ping", "site.py:2")
    rec.host_result(first, "h", "ok", {})
    ok = channel.named("runner_on_ok")[0]
    assert (ok["parent_uuid"], ok["event_data"]["task"]) == (first.uuid, "first")
    assert rec.task is second  # the current task is restored


def test_omit_event_data():
    rec, channel = recorder({"RUNNER_OMIT_EVENTS": "True"})
    run_two_tasks(rec)
    assert [e["event_data"] for e, _ in channel.events] == [{}] * len(channel.events)


def test_only_failed_event_data_with_awx_displays_names():
    rec, channel = recorder({"RUNNER_ONLY_FAILED_EVENTS": "true"})
    rec.playbook_start()
    rec.play_start("p", "all")
    task = rec.task_start("t", "ping", "ping", "site.py:1")
    rec.host_item_result(task, "h", "failed", {"msg": "x"}, "a")
    rec.host_result(task, "h", "failed", {"msg": "x"})
    kept = [e["event"] for e, _ in channel.events if e["event_data"]]
    assert kept == ["runner_on_failed"]  # awx_display lists runner_on_item_failed, not runner_item_on_failed


def test_large_results_are_dropped_and_no_log_is_censored():
    rec, channel = recorder({"MAX_EVENT_RES": "10"})
    rec.playbook_start()
    rec.play_start("p", "all")
    task = rec.task_start("t", "ping", "ping", "site.py:1")
    rec.host_result(task, "h", "ok", {"stdout": "x" * 20})
    rec.host_result(task, "small", "ok", {"x": 1})
    assert [e["event_data"]["res"] for e in channel.named("runner_on_ok")] == [{}, {"x": 1}]
    rec, channel = recorder()
    rec.playbook_start()
    rec.play_start("p", "all")
    secret = rec.task_start("s", "ping", "ping", "site.py:2")
    secret.no_log = True
    from ftl2_runner.executor.display.no_log import CENSORED, censor

    censored = censor({"changed": True, "password": "p4ss", "attempts": 2})
    assert censored == {"changed": True, "attempts": 2, "censored": CENSORED, "_ansible_no_log": True}
    rec.host_result(secret, "h", "ok", censored)
    event = channel.named("runner_on_ok")[0]
    assert event["event_data"]["res"] == {"censored": CENSORED}  # awx_display keeps nothing else
    # a retry is censored before ansible-core marks it: the preserved keys stay in the event
    rec.host_retry(secret, "h", censor({"stdout": "p4ss", "attempts": 2, "retries": 3}, final=False))
    assert channel.named("runner_retry")[0]["event_data"]["res"] == {"attempts": 2, "retries": 3, "censored": CENSORED}
    assert "p4ss" not in repr(channel.events)


def test_an_identical_error_block_is_shown_once():
    rec, channel = recorder()
    rec.playbook_start()
    rec.play_start("p", "all")
    task = rec.task_start("t", "ping", "ping", "site.py:1")
    rec.host_result(task, "a", "failed", {}, error_block="[ERROR]: same")
    rec.host_result(task, "b", "failed", {}, error_block="[ERROR]: same")
    a, b = (text for event, text in channel.events if event["event"] == "runner_on_failed")
    assert a is not None and b is not None
    assert a.startswith("[ERROR]: same\n") and not b.startswith("[ERROR]")


def test_loop_items_display_events_and_printed_output():
    rec, channel = recorder()
    rec.playbook_start()
    rec.warning("early")
    play = rec.play_start("p", "all")
    task = rec.task_start("t", "ping", "ping", "site.py:1")
    rec.host_item_result(task, "h", "ok", {"changed": True}, "a")
    rec.verbose("v", caplevel=2)
    forwarded = channel.forwarded_event()
    assert channel.events[1][0]["event_data"] == {
        "playbook": "site.py",
        "playbook_uuid": rec.playbook_uuid,
        "warning": True,
        "uuid": channel.events[1][0]["uuid"],
    }
    assert channel.events[1][1] == "[WARNING]: early"
    item, item_text = channel.events[-2]
    assert (item["event"], item["parent_uuid"], item_text) == ("runner_item_on_ok", task.uuid, "changed: [h] => (item=a)")
    verbose = channel.events[-1][0]
    assert (verbose["event"], verbose["verbosity"], verbose["event_data"]["verbose"]) == ("verbose", 3, True)
    assert (forwarded["event"], forwarded["parent_uuid"]) == ("verbose", task.uuid)
    assert forwarded["event_data"]["play_uuid"] == play.uuid and "verbose" not in forwarded["event_data"]
    assert rec.stats == {}  # items are not counted


def test_custom_events_need_an_awx_name():
    rec, channel = recorder()
    rec.playbook_start()
    rec.custom("debug", {"k": 1}, "text")
    assert channel.events[-1][0]["event_data"]["k"] == 1 and channel.events[-1][1] == "text"
    with pytest.raises(ValueError, match="not an event name AWX accepts"):
        rec.custom("custom_progress", {}, None)


def test_ad_hoc_uses_the_minimal_callback():
    rec, channel = recorder()
    rec.adhoc = True
    rec.playbook_start()
    rec.play_start("Ansible Ad-Hoc", "all")
    task = rec.task_start("ping", "ping", "ansible.builtin.ping", "")
    rec.host_result(task, "h", "ok", {"changed": False, "ping": "pong"})
    rec.playbook_stats()
    assert channel.names() == ["playbook_on_start", "runner_on_start", "runner_on_ok", "playbook_on_stats"]
    assert channel.events[2][1] == 'h | SUCCESS => {\n    "changed": false,\n    "ping": "pong"\n}'
    assert "play" not in channel.events[2][0]["event_data"]
    assert channel.events[-1][1] is None  # no recap


def test_task_arguments_are_shown_only_with_display_args_to_stdout():
    for environ, banner, start_args, result_args in (
        ({}, "TASK [cmd]", "", ""),
        (
            {"ANSIBLE_DISPLAY_ARGS_TO_STDOUT": "yes"},
            "TASK [cmd cmd=echo {{ x }}, chdir=/tmp]",
            "cmd=echo {{ x }}, chdir=/tmp",
            "chdir=/tmp, cmd=echo 1",  # as the task ran: templated, and sorted as templating leaves them
        ),
    ):
        rec, channel = recorder(environ)
        rec.playbook_start()
        rec.play_start("web", "all")
        task = rec.task_start("cmd", "command", "ansible.builtin.command", "site.py:3", args={"cmd": "echo {{ x }}", "chdir": "/tmp"})
        task.params = {"cmd": "echo 1", "chdir": "/tmp"}
        rec.host_result(task, "h1", "ok", {"changed": True})
        (start,) = channel.named("playbook_on_task_start")
        assert banner in next(text for event, text in channel.events if event is start)
        assert start["event_data"]["task_args"] == start_args
        assert channel.named("runner_on_start")[0]["event_data"]["task_args"] == start_args
        assert channel.named("runner_on_ok")[0]["event_data"]["task_args"] == result_args


def test_no_log_hides_task_arguments_from_the_banner_and_the_events():
    rec, channel = recorder({"ANSIBLE_DISPLAY_ARGS_TO_STDOUT": "True"})
    rec.playbook_start()
    rec.play_start("web", "all")
    task = rec.task_start("secret", "command", "ansible.builtin.command", "site.py:3", args={"cmd": "echo hunter2"}, no_log=True)
    rec.host_result(task, "h1", "ok", {"changed": True})
    texts = "".join(text or "" for _, text in channel.events)
    assert "hunter2" not in texts and "TASK [secret] " in texts
    hidden = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
    assert {event["event_data"]["task_args"] for event, _ in channel.events if "task_args" in event["event_data"]} == {hidden}


def test_set_stats_aggregates_as_ansible_core_and_reaches_artifact_data():
    rec, channel = recorder()
    rec.add_custom_stats("h1", {"data": {"n": 1, "l": ["a"], "d": {"x": {"y": 1}}}, "per_host": False, "aggregate": True})
    rec.add_custom_stats("h2", {"data": {"n": 2, "l": ["b"], "d": {"x": {"z": 2}}, "s": "t"}, "per_host": False, "aggregate": True})
    rec.add_custom_stats("h2", {"data": {"n": "text"}, "per_host": False, "aggregate": True})  # another type: ignored
    rec.add_custom_stats("h3", {"data": {"l": ["only"]}, "per_host": False, "aggregate": False})  # replaces
    rec.add_custom_stats("h3", {"data": {"mine": 1}, "per_host": True, "aggregate": True})  # the host's, not the run's
    rec.playbook_start()
    rec.playbook_stats()
    (stats,) = channel.named("playbook_on_stats")
    assert stats["event_data"]["artifact_data"] == {"n": 3, "l": ["only"], "d": {"x": {"y": 1, "z": 2}}, "s": "t"}
