"""Keeps the installer's chatter of FTL2's run-time gate build out of the job output.

FTL2 0.4.7 builds its remote gate on first contact with a host and installs the gate's
dependencies with ``uv pip install`` (else ``python -m pip install``) through
``subprocess.check_output``, which captures stdout and lets stderr through. Under the
executor stderr is the job output, so a first remote job showed uv's ``Using CPython …``,
``Resolved 1 package``, ``+ inotify-simple==…`` lines, and on a venv without pip a stray
``python: No module named pip`` ahead of the task's clear error.

The installer's output is routed as FTL2's own is: FTL2 logs the captured stdout at debug
level; here stderr is captured too and logged as connection chatter (a verbose line from
``-vvv`` on, :mod:`..log_routing`); on failure it is part of the error FTL2 raises, whose
message :mod:`..remote_hints` turns into one line that says what to do. FTL2's files are
not changed: its module-level ``check_output`` name is rebound for the job.
"""

from __future__ import annotations

import logging
import subprocess
from typing import Any

_log = logging.getLogger("ftl2_runner.gate_installer")


def _check_output_quietly(command: Any, *args: Any, **kwargs: Any) -> Any:
    if "stderr" in kwargs:  # someone else's call with its own stderr: unchanged
        return subprocess.check_output(command, *args, **kwargs)
    run: Any = subprocess.run
    try:
        done = run(command, *args, capture_output=True, check=True, **kwargs)
    except subprocess.CalledProcessError as exc:
        empty: Any = "" if (kwargs.get("text") or kwargs.get("universal_newlines")) else b""
        joined = (exc.stdout or empty) + (exc.stderr or empty)
        raise subprocess.CalledProcessError(exc.returncode, exc.cmd, joined, exc.stderr) from None
    if done.stderr:
        shown = done.stderr if isinstance(done.stderr, str) else done.stderr.decode("utf-8", "replace")
        _log.warning("gate dependencies installed: %s", shown.strip())
    return done.stdout


def install() -> None:
    """Rebind FTL2's gate builder's ``check_output`` (idempotent)."""
    import ftl2.gate

    if getattr(ftl2.gate, "check_output", None) is not _check_output_quietly:
        ftl2.gate.check_output = _check_output_quietly
