"""``--diff`` (AWX's *Show changes*): the diffs Ansible's modules return, and their text.

Ansible's default callback prints a changed result's ``diff`` as a unified diff
(``--- before`` / ``+++ after: <dest>``, 3 lines of context, green/red/cyan lines) in a
``runner_on_file_diff`` event before the result line. FTL2's ``copy`` returns no diff, so
the ``copy``/``template`` action (:mod:`..actions.remote_copy_action`) builds the entry Ansible's
action builds; :func:`after_entry` is its new content's side.
"""

from __future__ import annotations

import difflib
import json
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


def after_entry(after: bytes | None, after_header: str) -> dict[str, Any]:
    """The new content's side of ``_get_diff_data``'s entry (nothing when it is not known)."""
    if after is None:
        return {}
    if len(after) > MAX_FILE_SIZE_FOR_DIFF:
        return {"src_larger": MAX_FILE_SIZE_FOR_DIFF}
    if b"\x00" in after:
        return {"src_binary": 1}
    return {"after_header": after_header, "after": after.decode("utf-8", "replace")}
