"""A pre-started executor: ``import ftl2`` overlaps with receiving the job.

Of a small job's round trip, the largest fixed cost is the executor's ``import ftl2``
(0.56 s with bytecode, most of the bare FTL2 program's run time). The executor can
only start once upstream ``Worker`` has read the whole transmit stream, unpacked it
and prepared the job. So, as soon as the worker starts, it starts one executor
process that imports FTL2 and the executor's modules in a background thread while it
waits for the job. When upstream
``Runner`` spawns the job's command, ``RunnerSpawn`` asks ``claim`` for it;
if the command is our executor and nothing that shapes a Python process at start-up
differs, the waiting process is handed the job's pty, argv, environment and working
directory instead of a new process being forked (``hand_over``).

What Runner relies on stays true, which is why the parts are what they are:

- The process is started with ``posix_spawn(setsid=True)``: from its first
  instruction it leads its own session and process group, so Runner's cancel
  (``killpg(getpgid(pid), SIGKILL)``) can never hit the worker's group, even while
  the process is still importing.
- It is a direct child of the worker and nothing else waits for it (no
  ``subprocess.Popen``, whose clean-up could reap it), so ptyprocess's ``waitpid``
  gets its exit status or signal exactly as with a forked child.
- It receives the pty slave as its controlling terminal and fds 0, 1, 2, echo off
  and a 24x80 window, as ``ptyprocess.PtyProcess.spawn`` sets up a child; SIGHUP is
  ignored when Runner asked for ``ignore_sighup``.
- glibc's ``posix_spawn`` starts the process with the C library's internal signals (32, 33)
  ignored, and exec keeps that: the process gives them the worker's dispositions first thing
  (``executor/warm.py``), so a warm job's processes inherit what a forked job's do.
- Anything that is read only when a process or a library starts (``PYTHON*``, ``FTL2_*``
  other than ours, locale variables, ``HOME`` for the user site directory, the dynamic
  loader's ``LD_*``, glibc's ``MALLOC_*``/``GLIBC_TUNABLES``, ``OPENSSL_*``, which
  cryptography reads when asyncssh imports it) must be identical in the job's
  environment; otherwise, and whenever anything goes wrong before the hand-over, the
  job's command is spawned the normal way and the waiting process is killed. ``TZ`` is
  applied with ``time.tzset()``. ``FTL2_RUNNER_WARM_EXECUTOR=0`` turns the whole
  mechanism off.
- Seen from outside, the job's process keeps the command line
  ``python -m ftl2_runner.executor.warm N`` and the worker's ``/proc/<pid>/environ``;
  ``ps`` or ``pgrep -f ftl2_runner.executor`` still finds it.
- Its stdin, stdout and stderr are ``/dev/null`` until the hand-over: nothing it does
  while waiting can reach the worker's stdout, which is the protocol stream.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import sys
from collections.abc import Mapping, Sequence

TYPE_CHECKING = False  # (see start(): nothing here may delay the spawn)
if TYPE_CHECKING:
    import ptyprocess

DISABLE_VARIABLE = "FTL2_RUNNER_WARM_EXECUTOR"
WARM_MODULE = "ftl2_runner.executor.warm"
HEADER = struct.Struct("!Q")  # the job message: this header (the body's length), then JSON
_STARTUP_PREFIXES = ("PYTHON", "FTL2_", "LC_", "LD_", "MALLOC_", "OPENSSL_")
_STARTUP_NAMES = frozenset({"LANG", "LANGUAGE", "HOME", "GLIBC_TUNABLES"})
_RUNTIME_ONLY = ("FTL2_RUNNER_", "FTL2_SCRIPT")  # read by ftl2-runner when a job runs, not at import
FORCED_ENV = {"FTL2_TELEMETRY": "off"}  # the executor sets this itself, warm or not
HAND_OVER_TIMEOUT = 30.0  # seconds the worker waits for a stuck warm executor before forking instead

_waiting: WarmExecutor | None = None


def _startup_view(env: Mapping[str, str]) -> dict[str, str]:
    """The variables that shape a Python process at start-up (imports, locale, site)."""
    view = {
        key: value
        for key, value in env.items()
        if (key.startswith(_STARTUP_PREFIXES) or key in _STARTUP_NAMES) and not key.startswith(_RUNTIME_ONLY)
    }
    view.update(FORCED_ENV)
    return view


class WarmExecutor:
    """The parent's handle on one waiting executor process."""

    def __init__(self, pid: int, channel: socket.socket, env: Mapping[str, str]):
        self.pid = pid
        self._channel = channel
        self._startup = _startup_view(env)

    def accepts(self, argv: Sequence[str], env: Mapping[str, str] | None, cwd: str | None) -> bool:
        """True when ``argv`` is our executor, run by our interpreter, in an environment like ours."""
        from .config import executor_command  # already imported: it built the command being spawned

        prefix = executor_command()
        return (
            len(argv) >= len(prefix)
            and [os.path.abspath(argv[0]), *argv[1 : len(prefix)]] == prefix  # the venv's python exactly
            and env is not None
            and _startup_view(env) == self._startup
            and (cwd is None or os.path.isdir(cwd))
        )

    def alive(self) -> bool:
        if not self.pid:
            return False  # never waitpid(0): that would wait for any child in our process group
        try:
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True
        self.pid = 0  # reaped here: it died while waiting (e.g. ftl2 failed to import)
        return False

    def hand_over(
        self, argv: Sequence[str], env: Mapping[str, str], cwd: str | None, echo: bool, dimensions: tuple[int, int], ignore_sighup: bool
    ) -> ptyprocess.PtyProcess:
        """Give the job to the waiting process; return the PtyProcess Runner will drive."""
        import fcntl
        import json
        import pty
        import termios

        import ptyprocess

        master, slave = pty.openpty()
        try:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", dimensions[0], dimensions[1], 0, 0))
            if not echo:
                attributes = termios.tcgetattr(slave)
                attributes[3] &= ~termios.ECHO
                termios.tcsetattr(slave, termios.TCSANOW, attributes)
            job = json.dumps({"argv": list(argv), "env": dict(env), "cwd": cwd, "ignore_sighup": ignore_sighup})
            body = job.encode("utf-8", "surrogateescape")
            self._channel.settimeout(HAND_OVER_TIMEOUT)  # a large environment, a warm-up that hangs
            socket.send_fds(self._channel, [HEADER.pack(len(body))], [slave])
            self._channel.sendall(body)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
            self._channel.close()
        process = ptyprocess.PtyProcess(self.pid, master)
        process.argv, process.env, process.launch_dir = list(argv), dict(env), cwd
        return process

    def discard(self) -> None:
        """Stop a process that was not handed a job, and reap it."""
        self._channel.close()
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0


def start() -> WarmExecutor | None:
    """Start the waiting executor for this worker process (at most one); None when disabled.

    The console script calls this before it imports the CLI (``console.py``), so this module
    imports only what the spawn needs; what the hand-over needs is imported there.
    """
    global _waiting
    if os.environ.get(DISABLE_VARIABLE, "1") == "0" or _waiting is not None:
        return None
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    env = dict(os.environ, **FORCED_ENV)
    from . import process_tree

    try:
        os.set_inheritable(theirs.fileno(), True)
        with process_tree.spawn_lock:  # registered before the orphan reaper could see it exit
            pid = os.posix_spawn(
                sys.executable,
                [sys.executable, "-P", "-m", WARM_MODULE, str(theirs.fileno())],  # -P: as the executor (config.py)
                env,
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, fd, os.devnull, flags, 0) for fd, flags in ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY))
                ],
                setsid=True,
            )
            process_tree.protect(pid)
    except OSError:
        ours.close()
        return None
    finally:
        theirs.close()
    _waiting = WarmExecutor(pid, ours, env)
    return _waiting


def waiting_pid() -> int | None:
    """The pid of the executor waiting for this worker's job, if there is one."""
    return _waiting.pid if _waiting is not None and _waiting.pid else None


def claim(argv: Sequence[str], env: Mapping[str, str] | None, cwd: str | None) -> WarmExecutor | None:
    """The waiting executor, if it can run ``argv`` in ``env``; it is then no longer waiting."""
    global _waiting
    warm = _waiting
    if warm is None:
        return None
    if not warm.alive():  # it died while waiting (e.g. a crash in an import): fork as usual
        discard()
        return None
    if not warm.accepts(argv, env, cwd):
        discard()  # the job is forked: the waiting process (48 MB) would only sit beside it
        return None
    _waiting = None
    return warm


def discard() -> None:
    """Stop the waiting executor if no job claimed it (the job was not an FTL2 script, or failed early)."""
    global _waiting
    warm, _waiting = _waiting, None
    if warm is not None:
        warm.discard()
