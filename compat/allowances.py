"""Documented differences: the allowance table in docs/compat.md, and the normaliser behind each row.

The harness applies a normaliser only when its id is a row of the table, and refuses to
run if the table names an id that has no normaliser, so every accepted difference is
both documented and implemented — the document cannot drift from the tests.
"""

from __future__ import annotations

import re
from pathlib import Path

from .normalize import Normaliser, Record, renumber

DOC = Path(__file__).resolve().parent.parent / "docs" / "compat.md"
_START, _END = "<!-- allowances:start -->", "<!-- allowances:end -->"


def _map_events(records: list[Record], fn) -> list[Record]:
    return [fn(dict(r)) if "event" in r else r for r in records]


def _executor_command(records: list[Record]) -> list[Record]:
    return [dict(r, command="<command>") if r.get("status") == "starting" else r for r in records]


def _task_path_line(records: list[Record]) -> list[Record]:
    def fix(record: Record) -> Record:
        data = record.get("event_data")
        if isinstance(data, dict) and isinstance(data.get("task_path"), str):
            record["event_data"] = dict(data, task_path=re.sub(r":\d+$", ":<line>", data["task_path"]))
        if isinstance(record.get("stdout"), str) and "task path: " in record["stdout"]:
            record["stdout"] = re.sub(r"(task path: [^\r\n\x1b]*):\d+", r"\1:<line>", record["stdout"])
        return record

    return _map_events(records, fix)


def _launched_script_path(records: list[Record]) -> list[Record]:
    """A launcher's events name the script it launched as their task path; show the launcher's (site.yml)."""

    def fix(record: Record) -> Record:
        data = record.get("event_data")
        path = data.get("task_path") if isinstance(data, dict) else None
        if isinstance(path, str) and "/project/" in path and re.search(r"\.py:[^/]*$", path):
            record["event_data"] = dict(data, task_path=re.sub(r"/project/.*\.py:", "/project/site.yml:", path))
        return record

    return _map_events(records, fix)


def _module_internal_args(records: list[Record]) -> list[Record]:
    def fix(record: Record) -> Record:
        data = record.get("event_data")
        if isinstance(data, dict) and isinstance(data.get("task_args"), str):
            args = data["task_args"]
            cut = 0 if args.startswith("_ansible_") else args.find(", _ansible_")
            if cut >= 0:
                record["event_data"] = dict(data, task_args=args[:cut])
        return record

    return _map_events(records, fix)


_ORIGIN_RE = re.compile(
    r"(Origin: )[^\r\n]*?:\d+:\d+(\x1b\[0m)?((?:\r\n(?:\x1b\[[0-9;]*m)?[^\r\n]*?(?:\x1b\[0m)?)*?\r\n(?:\x1b\[[0-9;]*m)?\s*\^ column \d+)"
)


def _error_origin(records: list[Record]) -> list[Record]:
    def fix(record: Record) -> Record:
        stdout = record.get("stdout")
        if isinstance(stdout, str) and "Origin: " in stdout:

            def repl(match: re.Match) -> str:
                lines = match.group(3).split("\r\n")
                return (
                    match.group(1)
                    + "<file>:<line>:<col>"
                    + (match.group(2) or "")
                    + "\r\n".join("<source line>" if line else line for line in lines)
                )

            record["stdout"] = _ORIGIN_RE.sub(repl, stdout)
        return record

    return _map_events(records, fix)


_ANSIBLE_CONFIG_LINES = re.compile(
    r"^(\x1b\[[0-9;]*m)?(No config file found; using defaults|Using .* as config file|ansible-playbook \[core|"
    r"  config file = |  configured module search path|  ansible python module location|"
    r"  ansible collection location|  executable location|  python version|  jinja version|  pyyaml version|"
    r"host_list declined parsing|script declined parsing|auto declined parsing|yaml declined parsing|"
    r"Parsed .* inventory source with|Skipping callback |Loading callback plugin|"
    r"Attempting to use |Parsed .*inventory source|toml declined parsing|ini declined parsing|"
    r"redirecting \(type: |Set default localhost to|\d+ plays in )"
)
_CONNECTION_TRACE_LINES = re.compile(
    r"^(\x1b\[[0-9;]*m)?(<[^>\s]+> |Using module file |Pipelining is enabled|"
    r"Loading collection |Attempting python interpreter discovery)"
)


def _drop_verbose(pattern: re.Pattern) -> Normaliser:
    def normaliser(records: list[Record]) -> list[Record]:
        kept = [r for r in records if not (r.get("event") == "verbose" and pattern.match(r.get("stdout", "")))]
        return renumber(kept)

    return normaliser


_ansible_preamble = _drop_verbose(_ANSIBLE_CONFIG_LINES)
_connection_trace = _drop_verbose(_CONNECTION_TRACE_LINES)


_UNREACHABLE_REASON_RE = re.compile(r"(Failed to connect to the host via ssh: )([^\"\x1b\r\n]*)")


def _unreachable_reason(records: list[Record]) -> list[Record]:
    def fix(record: Record) -> Record:
        if record.get("event") != "runner_on_unreachable":
            return record
        record["stdout"] = _UNREACHABLE_REASON_RE.sub(r"\1<reason>", record.get("stdout", ""))
        data = record.get("event_data")
        if isinstance(data, dict) and isinstance(data.get("res"), dict) and isinstance(data["res"].get("msg"), str):
            res = dict(data["res"], msg=_UNREACHABLE_REASON_RE.sub(r"\1<reason>", data["res"]["msg"]))
            record["event_data"] = dict(data, res=res)
        return record

    return _map_events(records, fix)


_SRC_IN_TEXT = re.compile(r'"src": "[^"]*"')


def _copy_src(records: list[Record]) -> list[Record]:
    def fix(record: Record) -> Record:
        data = record.get("event_data")
        if isinstance(data, dict) and data.get("task_action", "").rsplit(".", 1)[-1] in ("copy", "template"):
            res = data.get("res")
            if isinstance(res, dict) and "src" in res:
                record["event_data"] = dict(data, res=dict(res, src="<src>"))
            if isinstance(record.get("stdout"), str):  # the result as `-v` shows it
                record["stdout"] = _SRC_IN_TEXT.sub('"src": "<src>"', record["stdout"])
        return record

    return _map_events(records, fix)


NORMALISERS: dict[str, Normaliser] = {
    "module-internal-args": _module_internal_args,
    "copy-src": _copy_src,
    "unreachable-reason": _unreachable_reason,
    "executor-command": _executor_command,
    "task-path-line": _task_path_line,
    "launched-script-path": _launched_script_path,
    "error-origin": _error_origin,
    "ansible-preamble": _ansible_preamble,
    "connection-trace": _connection_trace,
}


def documented_ids(doc: Path = DOC) -> list[str]:
    """The allowance ids listed in docs/compat.md, in table order."""
    text = doc.read_text(encoding="utf-8")
    if _START not in text or _END not in text:
        raise RuntimeError(f"{doc} has no allowance table between {_START} and {_END}")
    table = text.split(_START, 1)[1].split(_END, 1)[0]
    ids = re.findall(r"^\|\s*`([a-z0-9-]+)`\s*\|", table, flags=re.MULTILINE)
    unknown = [i for i in ids if i not in NORMALISERS]
    if unknown:
        raise RuntimeError(f"docs/compat.md lists allowances with no normaliser: {unknown}")
    return ids


def apply(records: list[Record], ids: list[str]) -> list[Record]:
    for allowance in ids:
        records = NORMALISERS[allowance](records)
    return records
