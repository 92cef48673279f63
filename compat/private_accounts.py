"""Runs a case's workers where account changes cannot reach this machine's real accounts.

A case that sets ``private_accounts: true`` (``user``/``group``) would otherwise add and remove
users on the machine the suite runs on (root in CI). Both workers — real ansible-runner and
ftl2-runner — run in a private mount namespace (``unshare --mount --propagation private``) in
which ``/etc`` is an overlay: reads see the real files, writes land in a scratch directory that
is thrown away with the case. Each side gets its own overlay, so both start from the same
accounts.

Why an overlay of the whole of ``/etc`` and not bind mounts of ``/etc/passwd`` & co.: shadow-utils
(``useradd``, ``groupadd``) writes ``/etc/group+`` next to the file and renames it over
``/etc/group``; a rename onto a bind-mounted file fails (``EBUSY``) and leaves the ``+`` file in the
real ``/etc``.

:func:`unavailable_reason` says why a machine cannot do this (not root, no ``unshare``, a container
without the mount capability, no overlayfs); the case is then skipped with that reason.
:func:`unchanged_accounts` checks afterwards that the real account files are byte for byte what
they were.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

ACCOUNT_FILES = tuple(Path("/etc", name) for name in ("passwd", "shadow", "group", "gshadow", "subuid", "subgid", "passwd+", "group+"))
# `sh -c` script: mount the overlay on /etc (upper and work directories are $1 and $2), then run the rest.
_MOUNT_THEN_EXEC = 'mount -t overlay compat-accounts -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc && shift 2 && exec "$@"'
_PROBE_TIMEOUT = 30


class AccountsChanged(RuntimeError):
    """The real account files changed while a private-accounts case ran."""


def wrapped(command: list[str], scratch: Path) -> list[str]:
    """``command`` run in a private mount namespace whose ``/etc`` writes go to ``scratch``."""
    unshare = shutil.which("unshare") or "unshare"
    upper, work = scratch / "upper", scratch / "work"
    for directory in (upper, work):
        if any(c in str(directory) for c in ",:\\"):
            raise ValueError(f"overlayfs cannot name {directory!s} in its mount options")
        directory.mkdir(parents=True, exist_ok=True)
    return [unshare, "--mount", "--propagation", "private", "--", "sh", "-c", _MOUNT_THEN_EXEC, "sh", str(upper), str(work), *command]


def unavailable_reason() -> str | None:
    """None when :func:`wrapped` works here, else why not (the case is skipped with this reason)."""
    if os.geteuid() != 0:
        return "private_accounts needs root (a private mount namespace with an overlay on /etc)"
    if shutil.which("unshare") is None:
        return "private_accounts needs unshare (util-linux)"
    with tempfile.TemporaryDirectory(prefix="compat-accounts-probe-") as tmp:
        probe = wrapped(["test", "-w", "/etc/passwd"], Path(tmp))
        try:
            done = subprocess.run(probe, capture_output=True, text=True, timeout=_PROBE_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"private_accounts: {' '.join(probe[:5])} failed: {exc}"
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        why = said[-1] if said else f"rc {done.returncode}"
        return f"private_accounts: a private mount namespace with an overlay on /etc is not permitted here ({why})"
    return None


def fingerprint() -> dict[str, str | None]:
    """A digest of each real account file (None: absent), to compare before and after a case."""
    prints: dict[str, str | None] = {}
    for path in ACCOUNT_FILES:
        try:
            prints[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
        except FileNotFoundError:
            prints[str(path)] = None
    return prints


@contextlib.contextmanager
def unchanged_accounts() -> Iterator[None]:
    """Raise :class:`AccountsChanged` if a real account file differs after the block."""
    before = fingerprint()
    yield
    after = fingerprint()
    changed = [name for name in before if before[name] != after[name]]
    if changed:
        raise AccountsChanged(f"the real account files changed during a private_accounts case: {', '.join(changed)}")
