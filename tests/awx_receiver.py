"""A processor that enforces what AWX's callback receiver requires of a worker stream.

AWX feeds the stream to ansible-runner's Processor with handlers that save
``dict(runner_config.env)`` on ``starting``, read ``end_line`` of every event, look up
``LEVEL_FOR_EVENT[event]``, order the UI by ``counter`` and build host summaries from
``playbook_on_stats`` (awx/main/tasks/receptor.py and the callback receiver). This
module applies the same demands, so every test stream is checked the way AWX would
consume it.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

AWX_EVENT_TYPES = frozenset(
    """
    runner_on_failed runner_on_start runner_on_ok runner_on_error runner_on_skipped
    runner_on_unreachable runner_on_no_hosts runner_on_async_poll runner_on_async_ok
    runner_on_async_failed runner_item_on_ok runner_item_on_failed runner_item_on_skipped
    runner_retry runner_on_file_diff playbook_on_start playbook_on_notify playbook_on_include
    playbook_on_no_hosts_matched playbook_on_no_hosts_remaining playbook_on_task_start
    playbook_on_vars_prompt playbook_on_setup playbook_on_import_for_host
    playbook_on_not_import_for_host playbook_on_play_start playbook_on_stats
    debug verbose deprecated warning system_warning error
    """.split()
)
STATS_KEYS = ("changed", "dark", "failures", "ignored", "ok", "processed", "rescued", "skipped")


class AwxContractError(AssertionError):
    pass


def check_stream(stream: bytes) -> dict[str, Any]:
    """Process ``stream`` like AWX and raise ``AwxContractError`` on anything AWX would choke on."""
    import ansible_runner

    problems: list[str] = []
    seen: dict[str, Any] = {"statuses": [], "events": [], "job_env": None, "finished": False}

    def status_handler(data: dict[str, Any], runner_config: Any) -> None:
        seen["statuses"].append(data["status"])
        if data["status"] == "starting":
            seen["job_env"] = dict(runner_config.env)  # TypeError if env is missing, as in AWX
            if not isinstance(runner_config.command, list):
                problems.append("starting status without a command list")
        if data["status"] == "error" and not data.get("job_explanation"):
            problems.append("error status without job_explanation")

    def event_handler(event: dict[str, Any]) -> bool:
        seen["events"].append(event)
        name = event.get("event")
        if name not in AWX_EVENT_TYPES:
            problems.append(f"event name {name!r} is not in AWX's EVENT_TYPES")
        if not isinstance(event.get("counter"), int) or event["counter"] < 1:
            problems.append(f"bad counter {event.get('counter')!r}")
        uuid = event.get("uuid")
        if not isinstance(uuid, str) or not uuid or len(uuid) > 1024:
            problems.append(f"bad uuid {uuid!r}")
        for key in ("start_line", "end_line"):
            if not isinstance(event.get(key), int):
                problems.append(f"{name} without integer {key}")
        stdout = event.get("stdout")
        if not isinstance(stdout, str) or stdout.endswith(("\n", "\r")):
            problems.append(f"{name} stdout must be a string without a trailing newline")
        elif isinstance(event.get("start_line"), int) and isinstance(event.get("end_line"), int):
            # An unterminated last fragment (e.g. a password prompt) legitimately spans 0 lines.
            if event["end_line"] - event["start_line"] < stdout.count("\r\n"):
                problems.append(f"{name} line span smaller than its stdout")
        created = event.get("created")
        try:
            datetime.datetime.fromisoformat(created)
        except (TypeError, ValueError):
            problems.append(f"{name} created {created!r} is not ISO-8601")
        data = event.get("event_data", {})
        if not isinstance(data, dict):
            problems.append(f"{name} event_data is not a dict")
            data = {}
        if "host" in data and not isinstance(data["host"], str):
            problems.append(f"{name} event_data.host is not a string")
        if name == "playbook_on_stats":
            for key in STATS_KEYS:
                value = data.get(key)
                if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, int) for k, v in value.items()):
                    problems.append(f"stats {key} is not a {{host: int}} dict")
        return True

    import tempfile

    controller_dir = tempfile.mkdtemp(prefix="awx-receiver-")
    result = ansible_runner.interface.run(
        streamer="process",
        quiet=True,
        private_data_dir=controller_dir,
        _input=io.BytesIO(stream),
        status_handler=status_handler,
        event_handler=event_handler,
        artifacts_handler=lambda path: None,
        finished_callback=lambda runner: seen.__setitem__("finished", True),
    )
    counters = [e["counter"] for e in seen["events"]]
    if counters != list(range(1, len(counters) + 1)):
        problems.append(f"counters are not contiguous from 1: {counters[:20]}")
    previous_end = 0
    for event in seen["events"]:
        if event.get("start_line") != previous_end:
            problems.append(f"event {event.get('counter')} starts at line {event.get('start_line')}, expected {previous_end}")
            break
        previous_end = event.get("end_line", previous_end)
    if result.status not in ("successful", "failed", "timeout", "canceled", "error"):
        problems.append(f"final status {result.status!r}")
    # A job that ran reported `starting` with its env first. An error, or a cancel that arrived
    # before the job started (the stream is then just `canceled` and eof), has no `starting`:
    # AWX then keeps the job's env empty, as with stock ansible-runner.
    started_or_not_needed = result.status == "error" or (result.status == "canceled" and not seen["events"])
    if seen["job_env"] is None and not started_or_not_needed:
        problems.append("no starting status with env")
    import shutil

    shutil.rmtree(controller_dir, ignore_errors=True)
    if problems:
        raise AwxContractError("; ".join(dict.fromkeys(problems)))
    seen["status"] = result.status
    return seen
