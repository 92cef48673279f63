"""Leaves no process of a canceled or timed-out job behind.

On cancel and timeout upstream Runner SIGKILLs the executor's process group, which
is the whole job — unless something in it started its own session or process group
(a script's ``subprocess.Popen(..., start_new_session=True)``, a daemonising tool).
ansible-runner leaves those running. The worker makes itself a *child subreaper*
(Linux ``PR_SET_CHILD_SUBREAPER``), so such orphans are re-parented to it instead of
to init; after a canceled or timed-out job it kills every remaining descendant.
Jobs that finish on their own keep Ansible's semantics: background processes they
started on purpose are left alone.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time

_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux only); returns whether it worked."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces; fields follow the last ')'.
    fields = data[data.rfind(b")") + 2 :].split()
    try:
        return int(fields[1])
    except (IndexError, ValueError):
        return None


def descendants(root: int | None = None) -> list[int]:
    """Pids of every live descendant of ``root`` (default: this process)."""
    root = os.getpid() if root is None else root
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parent = _parent_of(int(entry))
            if parent is not None:
                parents[int(entry)] = parent
    found: list[int] = []
    frontier = [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == current]
        found.extend(children)
        frontier.extend(children)
    return found


def kill_descendants(grace: float = 0.0) -> list[int]:
    """SIGKILL every descendant and reap those that are our children; returns the pids."""
    killed: list[int] = []
    for _ in range(5):  # a dying process may have forked meanwhile: repeat until none are left
        pids = descendants()
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
        _reap(timeout=1.0 + grace)
    return killed


def _reap(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.02)
