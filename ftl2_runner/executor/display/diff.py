"""``--diff`` (AWX's *Show changes*): the diffs Ansible's modules return, and their text.

Ansible's default callback prints a changed result's ``diff`` as a unified diff
(``--- before`` / ``+++ after: <dest>``, 3 lines of context, green/red/cyan lines) in a
``runner_on_file_diff`` event before the result line. FTL2's native ``copy`` returns no
diff, so :func:`copy_with_diff` computes the one Ansible's ``copy`` action computes: the
destination's content before and the new content after.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Mapping
from typing import Any

DIFF_CONTEXT = 3  # ansible.constants.DIFF_CONTEXT
MAX_FILE_SIZE_FOR_DIFF = 104448  # ansible.constants.MAX_FILE_SIZE_FOR_DIFF
COLOR_DIFF_ADD = "0;32"
COLOR_DIFF_REMOVE = "0;31"
COLOR_DIFF_LINES = "0;36"


def serialize(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, indent=4, separators=(",", ": ")) + "\n"


def render(difflist: Any, stringc: Callable[[str, str | None], str]) -> str:
    """The text the default callback's ``_get_diff`` makes of a result's ``diff``."""
    if not isinstance(difflist, list):
        difflist = [difflist]
    out: list[str] = []
    for entry in difflist:
        if not isinstance(entry, Mapping):
            continue
        entry = dict(entry)
        if "dst_binary" in entry:
            out.append("diff skipped: destination file appears to be binary\n")
        if "src_binary" in entry:
            out.append("diff skipped: source file appears to be binary\n")
        if "dst_larger" in entry:
            out.append("diff skipped: destination file size is greater than %d\n" % entry["dst_larger"])
        if "src_larger" in entry:
            out.append("diff skipped: source file size is greater than %d\n" % entry["src_larger"])
        if "before" in entry and "after" in entry:
            for side in ("before", "after"):
                if isinstance(entry[side], Mapping):
                    entry[side] = serialize(entry[side])
                elif entry[side] is None:
                    entry[side] = ""
            before_header = f"before: {entry['before_header']}" if "before_header" in entry else "before"
            after_header = f"after: {entry['after_header']}" if "after_header" in entry else "after"
            before = str(entry["before"]).splitlines(True)
            after = str(entry["after"]).splitlines(True)
            if before and not before[-1].endswith("\n"):
                before[-1] += "\n\\ No newline at end of file\n"
            if after and not after[-1].endswith("\n"):
                after[-1] += "\n\\ No newline at end of file\n"
            lines = list(
                difflib.unified_diff(
                    before, after, fromfile=before_header, tofile=after_header, fromfiledate="", tofiledate="", n=DIFF_CONTEXT
                )
            )
            for line in lines:
                if line.startswith("+"):
                    line = stringc(line, COLOR_DIFF_ADD)
                elif line.startswith("-"):
                    line = stringc(line, COLOR_DIFF_REMOVE)
                elif line.startswith("@@"):
                    line = stringc(line, COLOR_DIFF_LINES)
                out.append(line)
            if lines:
                out.append("\n")
        if "prepared" in entry:
            out.append(str(entry["prepared"]))
    return "".join(out)


def new_content(params: Mapping[str, Any]) -> bytes | None:
    """What ``copy`` would write (``content=`` or a ``src`` file), None for a directory source."""
    if params.get("content") is not None:
        content = params["content"]
        return content if isinstance(content, bytes) else str(content).encode("utf-8")
    src = params.get("src")
    if src and os.path.isfile(str(src)):
        with open(str(src), "rb") as handle:
            return handle.read()
    return None


def copy_destination(params: Mapping[str, Any]) -> str:
    dest = str(params.get("dest") or "")
    src = params.get("src")
    if src and params.get("content") is None and (dest.endswith("/") or os.path.isdir(dest)):
        return os.path.join(dest, os.path.basename(str(src)))
    return dest


def copy_diff(params: Mapping[str, Any]) -> dict[str, Any]:
    """The diff entry Ansible's ``copy`` action builds (``_get_diff_data``) before it copies, on this machine."""
    dest = copy_destination(params)
    current: bytes | None = None
    if os.path.exists(dest):
        try:
            with open(dest, "rb") as handle:
                current = handle.read()
        except OSError:
            current = b""
    after_header = dest if params.get("content") is not None else str(params.get("src"))
    return diff_entry(dest, current, new_content(params), after_header)


def diff_entry(dest: str, current: bytes | None, after: bytes | None, after_header: str) -> dict[str, Any]:
    """``_get_diff_data``'s entry from the destination's content (None: no such file) and the new one."""
    entry: dict[str, Any] = {}
    if current is None:
        entry["before"] = ""
    elif b"\x00" in current:
        entry["dst_binary"] = 1
    elif len(current) > MAX_FILE_SIZE_FOR_DIFF:
        entry["dst_larger"] = MAX_FILE_SIZE_FOR_DIFF
    else:
        entry["before_header"] = dest
        entry["before"] = current.decode("utf-8", "replace")
    entry.update(after_entry(after, after_header))
    return entry


def after_entry(after: bytes | None, after_header: str) -> dict[str, Any]:
    """The new content's side of ``_get_diff_data``'s entry (nothing when it is not known)."""
    if after is None:
        return {}
    if len(after) > MAX_FILE_SIZE_FOR_DIFF:
        return {"src_larger": MAX_FILE_SIZE_FOR_DIFF}
    if b"\x00" in after:
        return {"src_binary": 1}
    return {"after_header": after_header, "after": after.decode("utf-8", "replace")}


async def copy_with_diff(localhost: Any, params: Mapping[str, Any]) -> Any:
    """FTL2's local ``copy``, with the diff Ansible would report when it changed the file."""
    entry = copy_diff(params)
    result = await localhost.copy(**params)
    output = result[0] if isinstance(result, list) and result else result
    if isinstance(output, dict) and output.get("changed"):
        output = dict(output, diff=[entry])
    return output
