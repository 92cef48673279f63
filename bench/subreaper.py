"""``python bench/subreaper.py CMD...``: run CMD as a child subreaper, so that every descendant's CPU counts.

A process that exits before its children leaves them to the nearest subreaper (else init), and
their CPU time is then no longer added to any ancestor's ``cutime``: an SSH connection closed
while the gate or a module it started is still running takes their CPU out of sshd's tree. The
bench's target sshd runs under this: orphans come here and are reaped, so this process's
``cutime + cstime`` (with the live sshd's own) is all the CPU the targets used. SIGTERM/SIGINT
are passed to CMD; this exits with CMD's status once CMD is gone.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36


def main(argv: list[str]) -> int:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    child = subprocess.Popen(argv)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda signum, frame: child.send_signal(signum))
    status = 0
    while True:
        try:
            pid, raw = os.wait()
        except ChildProcessError:
            return status
        except InterruptedError:
            continue
        if pid == child.pid:
            child.returncode = os.waitstatus_to_exitcode(raw)
            status = child.returncode if child.returncode >= 0 else 128 - child.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
