"""Masks run-specific values in a worker stream so two runs can be compared line by line.

What is masked is what differs between *any* two runs, even of the same tool:
uuids (mapped to ``<uuid-N>`` by first appearance, so the parent/child tree is still
compared), timestamps and durations, pids, the worker's environment, the private data
dir's absolute path, the artifact zip payload (its file list is compared instead), the task and controller temporary
directories' random names, and the inode, times and
generation in a ``stat`` result (of a file the run itself made).
Per-host results of one task are put in host order, because Ansible itself reports
them in completion order; counters and line numbers are then recomputed so that an
event's own span (``end_line - start_line``) is still compared.
"""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from collections.abc import Callable
from typing import Any

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(_\d+)?$")
_TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2})?$")
_DELTA_RE = re.compile(r"^\d+:\d{2}:\d{2}\.\d+$")
# Module timestamps embedded in text (e.g. `-v` result JSON in stdout).
_EMBEDDED_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}")
# A task's temporary directory (ansible-tmp-<time>-<pid>-<random>) and the files made in it.
# A worker's data dir written relative to some cwd (pip prints `./compat-<case>-<random>/ref-worker/...`).
_RELATIVE_PDD_RE = re.compile(r"(?:\.{1,2}/)*(?:[\w.-]+/)*compat-[\w.-]+-\w{8}/(?:ref|ftl2)-worker")
_TASK_TMP_RE = re.compile(r"ansible-tmp-\d+\.\d+-\d+-\d+(/[\w.-]+)?")
# The controller's temporary directory (DEFAULT_LOCAL_TMP: ansible-local-<pid><random>) and a directory made in it
# (`template` renders into one and reports its path as the diff's after header).
_LOCAL_TMP_RE = re.compile(r"ansible-local-\w+(/tmp\w+)?")
# `pause` reports the time it really waited, to the hundredth.
_PAUSED_RE = re.compile(r"Paused for \d+(\.\d+)? (seconds|minutes)")
_EMBEDDED_DELTA_RE = re.compile(r'("delta": ")\d+:\d{2}:\d{2}(\.\d+)?(")')
# An async job's id (`j<random>.<pid>`, ansible-core's async_wrapper and ours): in its results file's path, in
# `ASYNC POLL/OK/FAILED on h: jid=...` and in the result JSON of a task's text.
_JOB_ID_RE = re.compile(r'(jid=|ansible_job_id\\?": \\?"|\.ansible_async/)j\d+\.\d+')
_CHILD_PID_RE = re.compile(r'(child_pid\\?": )\d+')
# Async events of a host go with its results: ansible-core sends them in each host's completion order.
_ASYNC_EVENTS = {"runner_on_async_poll", "runner_on_async_ok", "runner_on_async_failed"}
_HOST_RESULT_EVENTS = {
    "runner_retry",
    "runner_on_ok",
    "runner_on_failed",
    "runner_on_skipped",
    "runner_on_unreachable",
    "runner_item_on_ok",
    "runner_item_on_failed",
    "runner_item_on_skipped",
    "runner_on_file_diff",  # a host's diff comes just before its result, in the same completion order
}

# `stat` keys of a file this run created: they differ between any two runs.
_STAT_PER_RUN = {"inode", "atime", "mtime", "ctime", "version"}
_STATS_KEYS = {"changed", "dark", "failures", "ignored", "ok", "processed", "rescued", "skipped"}

Record = dict[str, Any]


def parse_stream(data: bytes) -> list[Record]:
    """Split a raw worker stream into records; the zip payload becomes its sorted file list."""
    records: list[Record] = []
    for raw in data.split(b"\n"):
        if not raw:
            continue
        if raw.startswith(b"{"):
            try:
                records.append(json.loads(raw))
                continue
            except json.JSONDecodeError:
                pass
        payload, sep, _ = raw.partition(b'{"eof": true}')
        if sep and records and "zipfile" in records[-1]:
            records[-1] = {"zipfile": "<size>"}
            records.append({"artifacts": _zip_listing(payload)})
            records.append({"eof": True})
        else:
            records.append({"unparsable_line": raw.decode("utf-8", "replace")[:200]})
    return records


def _zip_listing(payload: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(payload))) as archive:
            return sorted(archive.namelist())
    except Exception as exc:  # a broken zip is a difference worth showing, not a crash
        return [f"<invalid zip: {exc}>"]


class Masker:
    def __init__(self, data_dirs: list[str]):
        self._uuids: dict[str, str] = {}
        self._data_dirs = sorted(data_dirs, key=len, reverse=True)

    def _string(self, value: str) -> str:
        if UUID_RE.match(value):
            base = value.split("_")[0]
            return self._uuids.setdefault(base, f"<uuid-{len(self._uuids) + 1}>") + value[len(base) :]
        for path in self._data_dirs:
            value = value.replace(path, "<PDD>")
        if "-worker" in value:
            value = _RELATIVE_PDD_RE.sub("<PDD>", value)
        if "ansible-tmp-" in value:
            value = _TASK_TMP_RE.sub("ansible-tmp-<tmp>", value)
        if "ansible-local-" in value:
            value = _LOCAL_TMP_RE.sub("ansible-local-<tmp>", value)
        if "j" in value and ("jid=" in value or "ansible_job_id" in value or ".ansible_async/" in value):
            value = _JOB_ID_RE.sub(r"\1<jid>", value)
        if "child_pid" in value:
            value = _CHILD_PID_RE.sub(r"\1<pid>", value)
        if value.startswith("Paused for "):
            value = _PAUSED_RE.sub(r"Paused for <duration> \2", value)
        if '"delta": "' in value or "-" in value:
            value = _EMBEDDED_TIME_RE.sub("<time>", value)
            value = _EMBEDDED_DELTA_RE.sub(r"\1<delta>\3", value)
        return value

    def value(self, value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            if key == "stat":  # a file made by this run has its own inode, times and generation
                return {k: f"<{k}>" if k in _STAT_PER_RUN else self.value(v, k) for k, v in value.items()}
            if "censored" in value:  # ansible-core builds a censored result from a frozenset: its key order is the hash seed's
                return {k: self.value(v, k) for k, v in sorted(value.items())}
            return {k: self.value(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, str):
            if key in ("created", "start", "end") and _TIMESTAMP_RE.match(value):
                return "<time>"
            if key == "delta" and _DELTA_RE.match(value):
                return "<delta>"
            if key in ("ansible_job_id", "jid") and re.fullmatch(r"j\d+\.\d+", value):
                return "<jid>"
            return self._string(value)
        if key == "duration" and isinstance(value, (int, float)):
            return "<duration>"
        if key == "child_pid" and isinstance(value, int):  # an async job's module process (Timeout exceeded)
            return "<pid>"
        if key == "pid" and isinstance(value, int):
            return "<pid>"
        return value


def mask(records: list[Record], data_dirs: list[str]) -> list[Record]:
    masker = Masker(data_dirs)
    out = []
    for record in records:
        record = dict(record)
        if record.get("status") == "starting" and "env" in record:
            record["env"] = "<env>"
        out.append(masker.value(record))
    return out


def sort_host_results(records: list[Record]) -> list[Record]:
    """Order each run of consecutive host events of one task by host, then renumber.

    A host's ``runner_on_file_diff`` (``--diff``) goes with that host's next result: Ansible sends a
    result's diff just before it, though for loop items another host's events can come in between
    (the task executors of the hosts send both through one queue). The hosts' ``runner_on_start``
    events of the run go first, in host order: each host's worker process sends its own, so a quick
    host's result can come before a slower host's start (ansible-core does so on a loaded machine).
    """
    out: list[Record] = []
    run: list[Record] = []

    def task_of(record: Record) -> Any:
        return record.get("event_data", {}).get("task_uuid")

    def host_of(record: Record) -> str:
        return record.get("event_data", {}).get("host") or ""

    def flush() -> None:
        starts = sorted((r for r in run if r.get("event") == "runner_on_start"), key=lambda r: (host_of(r), r.get("_index", 0)))
        units: list[list[Record]] = []
        pending: dict[str, list[Record]] = {}
        for record in run:
            if record.get("event") == "runner_on_start":
                continue
            if record.get("event") == "runner_on_file_diff":
                pending.setdefault(host_of(record), []).append(record)
            else:
                units.append([*pending.pop(host_of(record), []), record])
        units += pending.values()  # a diff no result followed
        units.sort(key=lambda unit: (host_of(unit[-1]), unit[0].get("_index", 0)))
        sorted_run = starts + [record for unit in units for record in unit]
        _move_task_error_to_first_result(sorted_run)
        out.extend(sorted_run)
        run.clear()

    for index, record in enumerate(records):
        record = dict(record, _index=index)
        in_run = record.get("event") in _HOST_RESULT_EVENTS or record.get("event") in ("runner_on_file_diff", "runner_on_start")
        key = task_of(record) if in_run else None
        if record.get("event") in _ASYNC_EVENTS and run:  # a poll names ansible-core's own async_status task
            key = task_of(run[-1])
        if key is not None and run and task_of(run[-1]) == key:
            run.append(record)
            continue
        flush()
        if key is not None:
            run.append(record)
        else:
            out.append(record)
    flush()
    for record in out:
        record.pop("_index", None)
        if record.get("event") == "playbook_on_stats" and isinstance(record.get("event_data"), dict):
            # Ansible fills these {host: n} dicts in completion order; compare them sorted.
            record["event_data"] = {
                k: dict(sorted(v.items())) if k in _STATS_KEYS and isinstance(v, dict) else v for k, v in record["event_data"].items()
            }
    return renumber(out)


# A task's block Display prints once, before whichever host's result comes first: its error, or its deprecations
# (the run's first led by the warning that says how to silence them).
_TASK_ERROR_RE = re.compile(r"^(\x1b\[[0-9;]*m)?(\[ERROR\]: |\[DEPRECATION WARNING\]: |\[WARNING\]: Deprecation warnings can be)")
_RESULT_LINE_RE = re.compile(r"^(\x1b\[[0-9;]*m)?(fatal|failed|ok|changed|skipping): \[")


def _leading_task_error(stdout: str) -> int:
    """How many of ``stdout``'s first lines are an ``[ERROR]: ...`` block before the host's result line."""
    lines = stdout.split("\r\n")
    if not lines or not _TASK_ERROR_RE.match(lines[0]):
        return 0
    for index, line in enumerate(lines):
        if _RESULT_LINE_RE.match(line):
            return index
    return 0


def _move_task_error_to_first_result(run: list[Record]) -> None:
    """Put a task's one ``[ERROR]: Task failed ...`` (or ``[DEPRECATION WARNING]: ...``) block in the first
    (host-sorted) result's text.

    ansible-core prints a task's error message (or a template's deprecation) once (Display
    de-duplicates it), just before the result line of whichever host came first, so which host's
    event carries it is completion order -- as variable as the order of the results themselves. After sorting, the block is moved
    to the first result that has a block-free text, with the line spans moved along.
    """
    carriers = [r for r in run if _leading_task_error(r.get("stdout") or "")]
    target = next((r for r in run if r.get("event") in _HOST_RESULT_EVENTS), None)
    if len(carriers) != 1 or target is None or target is carriers[0]:
        return
    source = carriers[0]
    lines = source["stdout"].split("\r\n")
    count = _leading_task_error(source["stdout"])
    block, rest = lines[:count], lines[count:]
    source["stdout"] = "\r\n".join(rest)
    source["end_line"] -= count
    target["stdout"] = "\r\n".join(block + ([target["stdout"]] if target.get("stdout") else []))
    target["end_line"] += count


def renumber(records: list[Record]) -> list[Record]:
    """Recompute counter, start_line and end_line in stream order, keeping each event's span."""
    counter = 0
    line = 0
    out = []
    for record in records:
        if "counter" in record and "start_line" in record and record.get("event") != "keepalive":
            span = record["end_line"] - record["start_line"]
            counter += 1
            record = dict(record, counter=counter, start_line=line, end_line=line + span)
            line += span
        out.append(record)
    return out


def drop_keepalives(records: list[Record]) -> list[Record]:
    return [r for r in records if r.get("event") != "keepalive"]


def render(records: list[Record]) -> list[str]:
    """One text line per record key, so a diff points at the field that differs."""
    lines: list[str] = []
    for record in records:
        kind = record.get("event") or ("status:" + str(record["status"]) if "status" in record else next(iter(record), "?"))
        lines.append(f"--- {kind}")
        for key, value in record.items():
            if key == "event_data" and isinstance(value, dict):
                for sub_key, sub_value in value.items():
                    lines.append(f"  event_data.{sub_key}: {json.dumps(sub_value, ensure_ascii=False)}")
            elif key == "stdout" and isinstance(value, str):
                parts = value.split("\r\n")
                lines.append(f"  stdout: ({len(parts)} lines)")
                lines.extend(f"  | {json.dumps(part, ensure_ascii=False)[1:-1]}" for part in parts)
            else:
                lines.append(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
    return lines


Normaliser = Callable[[list[Record]], list[Record]]
