"""Gives the job a terminal of its own, so ``/dev/tty`` is not a way around the output capture.

``output_capture`` keeps the protocol pty private by pointing fds 1 and 2 at a pipe. But
the pty is also the executor's controlling terminal, and a process that opens
``/dev/tty`` (ssh and sudo prompting, ``git``, a script writing there on purpose) would
write to it directly: raw bytes in the protocol stream, where a display marker becomes
an event. So, when the executor runs under ansible-runner and leads its session (it does:
ptyprocess and the warm executor both start it with ``setsid``), it exchanges its
controlling terminal for a new pty pair:

* the new slave becomes the controlling terminal and fd 0 (echo off, the outer pty's
  window size), so ``/dev/tty``, ``isatty(0)`` and the foreground group look as before;
* what arrives on the new master is written to fd 1, the capture's pipe, and so reaches
  the job output as every other print does: framed, with its markers defused;
* what Runner types into the outer pty (``env/passwords`` answers) is copied to the new
  master, so a prompt read from ``/dev/tty`` or stdin is still answered.

Dropping the old controlling terminal (``TIOCNOTTY``) sends the session's foreground group
(ourselves) SIGHUP, which is ignored for that moment. The protocol pty is then put in exclusive
mode (``TIOCEXCL``): a child that finds it in ``/proc/<pid>/fd`` cannot open it again, unless it
runs as root. This protects against what a job *prints*; code that sets out to write to the
protocol fd from inside the executor's process, or as root, is not something a pty can stop.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import signal
import termios
import threading

_READ_SIZE = 65536


class TtyRelay:
    def __init__(self, outer_fd: int, master_fd: int):
        self._outer = outer_fd
        self._master = master_fd
        for target, name in ((self._output, "ftl2-runner-tty-out"), (self._input, "ftl2-runner-tty-in")):
            threading.Thread(target=target, name=name, daemon=True).start()

    @classmethod
    def install(cls, outer_fd: int) -> TtyRelay | None:
        """Take a new controlling terminal in place of ``outer_fd``; None where that cannot be done."""
        if os.getsid(0) != os.getpid() or not _is_controlling_terminal(outer_fd):
            return None
        master, slave = pty.openpty()
        try:
            attributes = termios.tcgetattr(outer_fd)
            attributes[3] &= ~termios.ECHO  # an answer typed for a prompt must never be echoed into the output
            termios.tcsetattr(slave, termios.TCSANOW, attributes)
            with contextlib.suppress(OSError):
                fcntl.ioctl(slave, termios.TIOCSWINSZ, fcntl.ioctl(outer_fd, termios.TIOCGWINSZ, b"\0" * 8))
            previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
            try:
                fcntl.ioctl(outer_fd, termios.TIOCNOTTY)
                fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
                os.tcsetpgrp(slave, os.getpgrp())
            finally:
                signal.signal(signal.SIGHUP, previous)
            os.dup2(slave, 0)
            # Nobody may open the protocol pty again (e.g. through /proc/<executor>/fd): EBUSY,
            # except for root, which the kernel always lets through.
            with contextlib.suppress(OSError):
                fcntl.ioctl(outer_fd, termios.TIOCEXCL)
        except OSError:
            os.close(master)
            return None
        finally:
            os.close(slave)
        return cls(outer_fd, master)

    def _output(self) -> None:
        """What the job wrote to its terminal goes where its prints go (fd 1: the capture's pipe)."""
        _pump(self._master, 1)

    def _input(self) -> None:
        """What Runner types into the protocol pty reaches the job's terminal."""
        _pump(self._outer, self._master)


def _pump(source: int, target: int) -> None:
    """Copy ``source`` to ``target`` until ``source`` ends (a target that fails drops the rest of that piece)."""
    while True:
        try:
            data = os.read(source, _READ_SIZE)
        except InterruptedError:
            continue
        except OSError:
            return
        if not data:
            return
        view = memoryview(data)
        with contextlib.suppress(OSError):
            while view:
                view = view[os.write(target, view) :]


def _is_controlling_terminal(fd: int) -> bool:
    """tcgetpgrp answers only for the caller's own controlling terminal (ENOTTY otherwise)."""
    try:
        os.tcgetpgrp(fd)
        return True
    except OSError:
        return False
