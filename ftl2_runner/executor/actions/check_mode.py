"""``--check`` for FTL2's native modules: what Ansible predicts, without touching the host.

FTL2's native ``copy`` ignores check mode and writes the file. Ansible's ``copy`` action
compares checksums and, when the file would change, returns ``changed`` without copying;
when it would not, it reports the destination as its ``file`` module sees it. (``file`` is
run as Ansible's own module in check mode, see :mod:`.router`.)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ..display import diff as diffs


def unchanged_copy(params: Mapping[str, Any]) -> bool:
    """Whether ``copy`` would leave the file as it is (same content, no attribute asked for)."""
    if any(params.get(k) is not None for k in ("mode", "owner", "group", "attributes", "seuser", "setype")):
        return False
    content = diffs.new_content(params)
    dest = diffs.copy_destination(params)
    if content is None or not os.path.isfile(dest):
        return False
    with open(dest, "rb") as handle:
        return handle.read() == content


def prediction(short: str, params: Mapping[str, Any], with_diff: bool) -> Callable[[], Awaitable[dict[str, Any]]] | None:
    if short == "copy" and diffs.new_content(params) is not None:

        async def predict_copy() -> dict[str, Any]:
            return copy_prediction(params, with_diff)

        return predict_copy
    return None


def copy_prediction(params: Mapping[str, Any], with_diff: bool) -> dict[str, Any]:
    """Ansible's check-mode ``copy`` result for one file."""
    from .shaping import PRESHAPED, stat_fields

    dest = diffs.copy_destination(params)
    content = diffs.new_content(params) or b""
    checksum = hashlib.sha1(content).hexdigest()
    current = None
    if os.path.isfile(dest):
        with open(dest, "rb") as handle:
            current = hashlib.sha1(handle.read()).hexdigest()
    if current != checksum:
        return {"changed": True, "diff": [diffs.copy_diff(params)] if with_diff else [], PRESHAPED: True}
    # The copy action's answer when nothing changes: its `file` module call, then checksum and dest.
    unchanged_diff: Any = {"before": {"path": dest}, "after": {"path": dest}} if with_diff else []
    res: dict[str, Any] = {"changed": False, "diff": unchanged_diff, "path": dest}
    fields = stat_fields(dest)
    res.update({k: fields[k] for k in ("uid", "gid", "owner", "group", "mode", "state", "size") if k in fields})
    res.update(checksum=checksum, dest=dest)
    res[PRESHAPED] = True
    return res
