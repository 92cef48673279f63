"""``python -m ftl2_runner.executor.warm FD``: the executor, started before its job arrives.

See ``ftl2_runner.processes.warm_executor`` for the parent's side and for why each step below
is there. A background thread imports what jobs need (FTL2 first) while the main
thread waits on the socket FD for one job: argv, environment, working directory and
the pty slave. The job does not wait for the imports: the process becomes the one
ptyprocess would have forked for it (controlling terminal, fds 0-2, SIGHUP, cwd,
environment, argv) and runs the executor's ``main`` at once; when the job reaches
``import ftl2``, Python's import lock makes it wait for the thread's import to finish
instead of starting another. A job that never uses FTL2 is not delayed by it. If the
worker goes away first (EOF on FD), the process exits quietly.
"""

from __future__ import annotations

import fcntl
import gc
import io
import json
import os
import signal
import socket
import sys
import tempfile
import termios
import threading
import time

from ..processes.warm_executor import FORCED_ENV, HEADER

EXECUTOR_MODULE = "ftl2_runner.executor"  # config.EXECUTOR_MODULE (config imports ansible_runner)

gc.disable()  # until the warm-up thread has imported everything: see _warm_up


def _warm_up() -> None:
    """Import what the executor imports lazily for a job, FTL2 first.

    A failure here is not reported: the job then imports the same modules itself, in
    the executor, which reports the error on the pty exactly as a forked executor would.

    The cyclic garbage collector is off from this module's start until the imports are
    done, and what they created is then frozen (``gc.freeze``, as pre-forking servers do):
    importing FTL2 creates tens of thousands of long-lived objects, collections during the
    import found nothing to free, and later ones scanned those objects again. That was
    30 ms of a 100-task job's collector time (2.5 ms now) and, competing for the GIL with
    the job's thread, 60 ms of its wall time (docs/performance.md).
    """
    try:
        _import_all()
    except Exception:
        pass
    finally:
        gc.freeze()
        gc.enable()


def _import_all() -> None:
    """Every ftl2_runner module a playbook job imports (tests/test_warm_executor.py checks a real job's)."""
    from .ftl2.lean_import import import_ftl2

    import_ftl2()  # the point of this process

    from .. import script  # noqa: F401
    from ..data import ansible_yaml, unsafe, vault  # noqa: F401
    from ..intake import launcher, script_header  # noqa: F401
    from ..inventory import ftl2_adapter, sources  # noqa: F401
    from . import __main__  # noqa: F401
    from .actions import (  # noqa: F401
        facts,
        local_actions,  # noqa: F401
        local_modules,
        results,
        router,
        shaping,
    )
    from .api import (  # noqa: F401
        calls,  # noqa: F401
        custom_events,
        plays,
        script_api,
    )
    from .cli import ansible_cfg, args, extravars, inspection, inventory_path, script_loader  # noqa: F401
    from .display import diagnostics, events, formatting, log_routing, output_capture, protocol  # noqa: F401
    from .ftl2 import (  # noqa: F401
        bookkeeping,
        forked_modules,
        gate,  # noqa: F401
        gate_connection,
        installer_output,
        lean_gate,
        locality,
        quirks,
        remote_hints,  # noqa: F401
        remote_modules,
    )
    from .tasks import batches, blocks, executor, reporting, run, selection, spec  # noqa: F401
    from .vars import conditions, plugin_support, variables  # noqa: F401


def _receive(channel: socket.socket) -> tuple[dict, int] | None:
    header, fds, _, _ = socket.recv_fds(channel, HEADER.size, 1)
    while header and len(header) < HEADER.size:
        more = channel.recv(HEADER.size - len(header))
        if not more:
            break
        header += more
    if len(header) < HEADER.size or len(fds) != 1:
        return None  # the worker went away without a job for us
    (size,) = HEADER.unpack(header)
    body = bytearray()
    while len(body) < size:
        chunk = channel.recv(min(size - len(body), 1 << 20))
        if not chunk:
            return None
        body += chunk
    return json.loads(body.decode("utf-8", "surrogateescape")), fds[0]


def _std_stream(fd: int, template: io.TextIOWrapper | None, write: bool) -> io.TextIOWrapper:
    """A standard stream on ``fd`` built as CPython builds one at start-up for a terminal.

    Encoding and error handler come from the start-up streams (same environment, so the
    same choice); on a terminal all three are line-buffered, or write-through under ``-u``
    / ``PYTHONUNBUFFERED``, where stdout and stderr also lose their buffered layer.
    """
    # Python made all three at start-up, for /dev/null (typeshed allows None for embedded interpreters).
    assert template is not None and sys.__stdout__ is not None
    unbuffered = bool(sys.__stdout__.write_through)  # -u / PYTHONUNBUFFERED (sys.flags does not say)
    raw = io.FileIO(fd, "w" if write else "r", closefd=False)
    buffer: io.RawIOBase | io.BufferedIOBase
    if not write:
        buffer = io.BufferedReader(raw)
    else:
        buffer = raw if unbuffered else io.BufferedWriter(raw)
    # On a terminal CPython line-buffers all three (stdin included), or writes through under -u.
    return io.TextIOWrapper(
        buffer, encoding=template.encoding, errors=template.errors, newline="\n", line_buffering=not unbuffered, write_through=unbuffered
    )


def _become(job: dict, slave: int) -> None:
    """Turn this process into the one ptyprocess would have forked and exec'd for ``job``."""
    for target in (0, 1, 2):  # first, so that anything failing below is reported on the pty
        os.dup2(slave, target)
    if slave > 2:
        os.close(slave)
    # Python made these streams for /dev/null at start-up; make them again for the pty.
    # (typeshed marks sys.__stdin__ and friends Final; CPython lets them be rebound, as here.)
    sys.stdin = sys.__stdin__ = _std_stream(0, sys.__stdin__, write=False)  # type: ignore[misc]
    sys.stdout = sys.__stdout__ = _std_stream(1, sys.__stdout__, write=True)  # type: ignore[misc]
    sys.stderr = sys.__stderr__ = _std_stream(2, sys.__stderr__, write=True)  # type: ignore[misc]
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # we already lead our own session (posix_spawn setsid)
    if job["ignore_sighup"]:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    if job["cwd"]:
        os.chdir(job["cwd"])
    if not sys.flags.safe_path:
        sys.path.insert(0, os.getcwd())  # what `python -m` puts first (removed while warming up)
    # The warm-up thread may be reading the environment: never leave it empty, and never
    # without FTL2_TELEMETRY=off (which the executor sets first thing anyway).
    env = dict(job["env"], **FORCED_ENV)
    for key in [key for key in os.environ if key not in env]:
        del os.environ[key]
    os.environ.update(env)
    time.tzset()  # the job's TZ
    tempfile.tempdir = None  # recomputed from the job's TMPDIR
    from . import __main__ as executor

    sys.argv = [executor.__file__, *_arguments(job["argv"])]  # what `python -P -m ftl2_runner.executor ARGS` sets


def _close_inherited(keep: int) -> None:
    """Close every descriptor above 2 that came through our exec, except ``keep``.

    ptyprocess's child closes them all before its exec, so a forked executor starts with
    0-2 only. Ours ran Python's start-up first, which may have opened descriptors of its
    own (``PYTHONPERFSUPPORT=1`` keeps its ``perf-<pid>.map`` file open and writes to it all
    along): those are close-on-exec, so only what is inheritable came from whoever started
    us. Closing the others handed their number to the next file opened (the capture's pty),
    and the perf map's lines became the job's output.
    """
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        names = [str(fd) for fd in range(3, os.sysconf("SC_OPEN_MAX"))]
    for name in names:
        fd = int(name)
        if fd <= 2 or fd == keep:
            continue
        try:
            if os.get_inheritable(fd):
                os.close(fd)
        except OSError:
            pass  # the directory listing's own descriptor, closed since


_RT_SIGACTION = {"x86_64": 13, "aarch64": 134, "ppc64le": 173, "s390x": 174, "riscv64": 134}  # syscall numbers


def _undo_posix_spawn_signals() -> None:
    """Give the C library's internal signals (32, 33) the dispositions the worker has.

    glibc's ``posix_spawn`` starts its child with them ignored, and an ignored signal stays
    ignored through exec: every process of a warm job inherited signal 32 ignored, where a
    forked executor (``pty.fork`` + exec) has the worker's (default) dispositions. Python's
    ``signal`` module cannot name them (glibc refuses its own signals), so this is the
    ``rt_sigaction`` system call with a zeroed ``struct sigaction``: SIG_DFL, no flags, an
    empty mask, on every architecture. glibc installs its own handlers when it needs them.
    """
    number = _RT_SIGACTION.get(os.uname().machine)
    if number is None:
        return
    try:
        with open(f"/proc/{os.getppid()}/status") as status:
            worker_ignores = int(next(line.split()[1] for line in status if line.startswith("SigIgn:")), 16)
    except (OSError, StopIteration, ValueError):
        worker_ignores = 0
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    default = ctypes.create_string_buffer(64)
    for signum in (32, 33):
        if not worker_ignores & (1 << (signum - 1)):
            libc.syscall(ctypes.c_long(number), ctypes.c_int(signum), default, None, ctypes.c_size_t(8))


def main(fd: int) -> int:
    _undo_posix_spawn_signals()
    # Like ptyprocess's child: no descriptor but 0-2 (and our channel) from whoever started us.
    _close_inherited(keep=fd)
    channel = socket.socket(fileno=fd)
    # `python -m` put the worker's directory first; the job's directory replaces it in _become,
    # and nothing found in the worker's directory may shadow what we import now.
    if not sys.flags.safe_path:  # -P / PYTHONSAFEPATH: nothing was put first
        del sys.path[0]
    threading.Thread(target=_warm_up, name="ftl2-runner-warm-up", daemon=True).start()
    received = _receive(channel)
    if received is None:
        os._exit(0)  # no job: do not wait for, or tear down, an import in progress
    job, slave = received
    channel.close()
    _become(job, slave)
    from .__main__ import main as executor_main

    return executor_main(_arguments(job["argv"]))


def _arguments(argv: list[str]) -> list[str]:
    """The executor's own arguments: what follows ``-m ftl2_runner.executor`` in the job's command."""
    return argv[argv.index(EXECUTOR_MODULE) + 1 :]


if __name__ == "__main__":
    from .__main__ import exit_without_teardown

    exit_without_teardown(main(int(sys.argv[1])))
