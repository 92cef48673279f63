"""A ``pexpect.spawn`` that forgets what it has already handed to Runner.

Upstream ``Runner`` reads its child through ``child.expect(password_patterns,
timeout=pexpect_timeout)`` in a loop and consumes the output through
``logfile_read`` (the event filter), never through ``child.before``. pexpect,
however, keeps every character read since the last *match* in ``_before`` and
copies it into ``before`` on every timeout (pexpect issue #388). A job that
never prints a password prompt never matches, so the buffer holds the whole
job's output and each wake-up copies it again: worker memory grows with the
number of events and CPU time grows with its square. ansible-runner's own
worker has the same growth; we measured it in ``bench/`` (E1k vs E10k).

This subclass drops ``_before`` after each ``expect`` call returns (a match,
a timeout or EOF), which is the only change: reading, the search window and
the password patterns stay pexpect's and Runner's. The password search still
works, because pexpect searches its separate ``_buffer`` window (Runner passes
``searchwindowsize=100``), not ``_before``.
"""

from __future__ import annotations

import types
from typing import Any

import pexpect


class BoundedBufferSpawn(pexpect.spawn):
    """``pexpect.spawn`` whose ``before`` text is not kept across ``expect`` calls."""

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
