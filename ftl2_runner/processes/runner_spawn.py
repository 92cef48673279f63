"""The ``pexpect.spawn`` Runner drives: it forgets what it has handed over, closes without a nap,
and hands the job to a pre-started executor when there is one.

Upstream ``Runner`` reads its child through ``child.expect(password_patterns,
timeout=pexpect_timeout)`` in a loop and consumes the output through
``logfile_read`` (the event filter), never through ``child.before``. pexpect,
however, keeps every character read since the last *match* in ``_before`` and
copies it into ``before`` on every timeout (pexpect issue #388). A job that
never prints a password prompt never matches, so the buffer holds the whole
job's output and each wake-up copies it again: worker memory grows with the
number of events and CPU time grows with its square (worker peak RSS for 1k /
10k / 30k events: 23.6 / 26.8 / 35.0 MiB before, 23.6 / 24.4 / 24.8 MiB after).
ansible-runner's own worker runs the same loop.

This subclass drops ``_before`` after each ``expect`` call returns (a match,
a timeout or EOF); reading, the search window and the password patterns stay
pexpect's and Runner's. The password search still works, because pexpect
searches its separate ``_buffer`` window (Runner passes ``searchwindowsize=100``),
not ``_before``.

Second, ``close``: ptyprocess sleeps ``delayafterclose`` (0.1 s) after closing the
pty, to "give the kernel time to update process status" before it checks whether
it must kill the child. Runner calls ``close`` only after ``isalive()`` has returned
False, i.e. after the child has been reaped, so the nap buys nothing and adds 0.1 s
to every job (measured in bench/ as the gap between the last event and the final
status). When the child is still alive, the nap and the kill stay as they are.

Third, ``_spawnpty`` (where ptyprocess forks the child): when the worker started a
warm executor and the command is our executor, the job's pty is handed to that
process instead (see ``warm_executor``); if anything about it does not fit, or the
hand-over fails, the command is spawned exactly as before. Either way the process is
recorded as the job's (``job_processes``), so a canceled or timed-out job kills its own
processes and never those of a job beside it in the same host program.

Runner gets this class per job: ``upstream.run_runner`` calls upstream's ``Runner.run``
with its ``pexpect.spawn`` resolved to ``RunnerSpawn`` bound to the job's processes.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pexpect
from ansible_runner.utils import OutputEventFilter

from . import process_tree, warm_executor


class RunnerSpawn(pexpect.spawn):
    """``pexpect.spawn`` whose ``before`` text is always empty after ``expect``.

    Only for Runner's use of it (``expect`` + ``logfile_read``): pexpect's own
    ``read``/``readline`` and ``expect(async_=True)`` rely on ``before`` and would
    return wrong text with this class.
    """

    def __init__(self, *args: Any, job_processes: process_tree.JobProcesses | None = None, **kwargs: Any):
        self._job_processes = job_processes  # before pexpect's __init__, which spawns
        super().__init__(*args, **kwargs)

    def _spawn(self, command: Any, args: Any = (), preexec_fn: Any = None, dimensions: Any = None) -> None:
        self._caller_preexec_fn = preexec_fn  # pexpect wraps it (ignore_sighup) before _spawnpty sees it
        self._caller_dimensions = dimensions
        super()._spawn(command, list(args), preexec_fn, dimensions)

    def _spawnpty(self, args: list[Any], **kwargs: Any) -> Any:
        argv = [arg.decode(self.encoding or "utf-8", "surrogateescape") if isinstance(arg, bytes) else arg for arg in args]
        warm = None
        if getattr(self, "_caller_preexec_fn", None) is None:
            warm = warm_executor.claim(argv, kwargs.get("env"), kwargs.get("cwd"))
        if warm is not None:
            try:
                handed_over = warm.hand_over(
                    argv,
                    kwargs.get("env") or {},
                    kwargs.get("cwd"),
                    kwargs.get("echo", True),
                    self._caller_dimensions or (24, 80),
                    self.ignore_sighup,
                )
                self._for_the_job(handed_over.pid)
                return handed_over
            except Exception:  # OSError, termios.error, a timeout: fork the command as usual
                with contextlib.suppress(OSError):
                    warm.discard()
        _refuse_unspawnable(argv, kwargs.get("env"))
        parent = os.getpid()
        try:
            with process_tree.spawn_lock:
                process = super()._spawnpty(args, **kwargs)
                process_tree.protect(process.pid)
                self._for_the_job(process.pid)
        except BaseException as exc:
            if os.getpid() != parent:
                _end_forked_child(exc)
            raise
        return process

    def _for_the_job(self, pid: int) -> None:
        if self._job_processes is not None:
            self._job_processes.adopt(pid)

    def read_nonblocking(self, size: int = 1, timeout: float | None = -1) -> Any:
        """What the child printed, as Runner's password patterns should see it: without display markers.

        pexpect has already handed the raw text to ``logfile_read`` (the event filter)
        inside this call; only the copy returned here, which ``expect`` searches, is
        changed. An event's end marker sits between a line's start and a prompt printed
        after it, so ``^``-anchored ``env/passwords`` patterns (as ansible-runner's docs
        show them) never matched, and a prompt inside an event frame is followed by the
        end marker, so a ``$``-anchored one did not either. A marker split across two
        reads is held back until it is complete.
        """
        data = super().read_nonblocking(size, timeout)
        if not isinstance(data, str):
            return data
        text = getattr(self, "_marker_carry", "") + data
        text = _DISPLAY_MARKER.sub("", text)
        cut = _start_of_unfinished_marker(text)
        if cut is not None and len(text) - cut <= _MAX_CARRY:
            self._marker_carry = text[cut:]
            return text[:cut]
        self._marker_carry = ""
        return text

    def close(self, force: bool = True) -> None:
        if not self.isalive():  # already reaped: there is no status left for the kernel to settle
            self.ptyproc.delayafterclose = 0
        super().close(force)

    def expect_list(self, *args: Any, **kwargs: Any) -> int:
        try:
            return super().expect_list(*args, **kwargs)
        finally:
            self._before = self.buffer_type()
            self.before = self.string_type()

    @property
    def _before(self) -> _TailOnly:
        return self._before_tail

    @_before.setter
    def _before(self, value: Any) -> None:
        """pexpect assigns a fresh ``StringIO`` here; keep only the end of what is written to it."""
        self._before_tail = value if isinstance(value, _TailOnly) else _TailOnly(value.getvalue())


class _TailOnly:
    """What ``pexpect`` uses of its ``_before`` buffer, holding only the last characters written.

    Within one ``expect`` call (up to ``pexpect_timeout``, 1 s) pexpect appends everything
    it reads to ``_before`` and copies it at the end: a long line printed at full speed was
    held twice more in the worker. pexpect reads ``_before`` only to fill ``before`` (which
    Runner never reads) and, at the start of a call, the last ``searchwindowsize`` characters
    (Runner passes 100) -- so the last ``_KEEP`` characters serve every reader. ``tell``
    still counts everything written, as pexpect compares it with its search buffer's.
    """

    _KEEP = 4096

    def __init__(self, initial: str = "") -> None:
        self._tail = initial[-self._KEEP :]
        self._written = len(initial)
        self._position = self._written

    def write(self, data: str) -> int:
        self._tail = (self._tail + data)[-self._KEEP :] if len(data) < self._KEEP else data[-self._KEEP :]
        self._written += len(data)
        self._position = self._written
        return len(data)

    def tell(self) -> int:
        return self._position

    def seek(self, position: int, whence: int = 0) -> int:
        self._position = max(0, min(position, self._written)) if whence == 0 else self._written
        return self._position

    def read(self) -> str:
        wanted = self._written - self._position
        self._position = self._written
        return self._tail[len(self._tail) - min(wanted, len(self._tail)) :]

    def getvalue(self) -> str:
        return self._tail


def _refuse_unspawnable(argv: Sequence[str], env: Mapping[str, str] | None) -> None:
    """Say in the parent what exec would choke on in the child (Runner reports it as the job's output)."""
    for arg in argv:
        if "\x00" in arg:
            raise pexpect.ExceptionPexpect(f"The job's command line contains a NUL byte: {arg!r}")
    for key, value in (env or {}).items():
        if "\x00" in key or "\x00" in value or "=" in key or not key:
            raise pexpect.ExceptionPexpect(
                f"The job's environment variable {key!r} cannot be passed to a process (a NUL byte, '=' in its name, or an empty name)"
            )


def _end_forked_child(exc: BaseException) -> None:
    """In the forked child, an exception that escaped ptyprocess (before exec) must not run worker code.

    Unwinding would run the rest of the worker in the child — its status and eof lines
    written to the pty as job output, its ``--delete`` clean-up removing the data dir.
    Say what failed on the pty (the job's output) and leave at once.
    """
    try:
        os.write(2, f"The job's command could not be started: {type(exc).__name__}: {exc}\n".encode("utf-8", "replace"))
    finally:
        os._exit(127)


# Upstream's own definition of a display marker: exactly what its event filter takes out.
_DISPLAY_MARKER = OutputEventFilter.EVENT_DATA_RE
_MARKER_BODY = re.compile(r"\x1b\[K[A-Za-z0-9+/=\x1b\[D]*")  # what a marker cut short can end with
_MAX_CARRY = 8192  # longer than any marker of ours: what never completes is released


def _start_of_unfinished_marker(text: str) -> int | None:
    """Where a display marker that the read cut short begins at the end of ``text``, if one does."""
    start = text.rfind("\x1b[K")
    if start >= 0 and _MARKER_BODY.fullmatch(text, start):
        return start
    for prefix in ("\x1b[", "\x1b"):
        if text.endswith(prefix):
            return len(text) - len(prefix)
    return None
