"""``python -m ftl2_runner.executor.warm FD``: the executor, started before its job arrives.

See ``ftl2_runner.warm_executor`` for the parent's side and for why each step below
is there. This process imports what every job needs, then waits on the socket FD for
one job: argv, environment, working directory and the pty slave. It then becomes the
process ptyprocess would have forked for that job (controlling terminal, fds 0-2,
SIGHUP, cwd, environment, argv) and runs the executor's ``main``. If the worker goes
away first (EOF on FD), it exits quietly.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import signal
import socket
import sys
import tempfile
import termios

HEADER_SIZE = 8  # warm_executor.HEADER: the body's length, network byte order


def _warm_up() -> None:
    """Import what the executor imports lazily for a job, FTL2 first."""
    os.environ["FTL2_TELEMETRY"] = "off"
    import ftl2  # noqa: F401  (the point of this process)
    import ftl2.ftl_modules  # noqa: F401

    from . import __main__, args, events, formatting, output_capture, protocol, script_api  # noqa: F401
    from . import plays, task_executor, tracking  # noqa: F401
    from ..inventory import ftl2_adapter, sources  # noqa: F401


def _receive(channel: socket.socket) -> tuple[dict, int] | None:
    header, fds, _, _ = socket.recv_fds(channel, HEADER_SIZE, 1)
    while header and len(header) < HEADER_SIZE:
        more = channel.recv(HEADER_SIZE - len(header))
        if not more:
            break
        header += more
    if len(header) < HEADER_SIZE or len(fds) != 1:
        return None  # the worker went away without a job for us
    size = int.from_bytes(header, "big")
    body = bytearray()
    while len(body) < size:
        chunk = channel.recv(min(size - len(body), 1 << 20))
        if not chunk:
            return None
        body += chunk
    return json.loads(body.decode("utf-8", "surrogateescape")), fds[0]


def _become(job: dict, slave: int) -> None:
    """Turn this process into the one ptyprocess would have forked and exec'd for ``job``."""
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)  # we already lead our own session (posix_spawn setsid)
    for target in (0, 1, 2):
        os.dup2(slave, target)
    if slave > 2:
        os.close(slave)
    if job["ignore_sighup"]:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    if job["cwd"]:
        started_in = os.getcwd()
        os.chdir(job["cwd"])
        if sys.path and sys.path[0] == started_in:  # `python -m` puts the start directory first
            sys.path[0] = os.getcwd()
    os.environ.clear()
    os.environ.update(job["env"])
    tempfile.tempdir = None  # recomputed from the job's TMPDIR
    # Python made these streams for /dev/null at start-up; make them again for the pty.
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), line_buffering=True)
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True,
                                                   errors="backslashreplace")
    from . import __main__ as executor

    sys.argv = [executor.__file__, *job["argv"][3:]]  # what `python -m ftl2_runner.executor ARGS` sets


def main(fd: int) -> int:
    channel = socket.socket(fileno=fd)
    try:
        _warm_up()
    except Exception:
        return 1  # the worker finds us dead and spawns the executor the normal way, which reports the error
    received = _receive(channel)
    if received is None:
        return 0
    job, slave = received
    channel.close()
    _become(job, slave)
    from .__main__ import main as executor_main

    return executor_main(job["argv"][3:])


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
