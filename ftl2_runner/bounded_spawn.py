"""The ``pexpect.spawn`` Runner drives: it forgets what it has handed over, and closes without a nap.

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
"""

from __future__ import annotations

import types
from typing import Any

import pexpect


class BoundedBufferSpawn(pexpect.spawn):
    """``pexpect.spawn`` whose ``before`` text is always empty after ``expect``.

    Only for Runner's use of it (``expect`` + ``logfile_read``): pexpect's own
    ``read``/``readline`` and ``expect(async_=True)`` rely on ``before`` and would
    return wrong text with this class.
    """

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


class _PexpectWithBoundedSpawn(types.ModuleType):
    """The ``pexpect`` module as ``ansible_runner.runner`` sees it, with our ``spawn``."""

    spawn = BoundedBufferSpawn

    def __getattr__(self, name: str) -> Any:
        return getattr(pexpect, name)


pexpect_for_runner = _PexpectWithBoundedSpawn("pexpect")
