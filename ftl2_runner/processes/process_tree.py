"""Leaves no process of a canceled or timed-out job behind, and no zombie while it runs.

On cancel and timeout upstream Runner SIGKILLs the executor's process group, which
is the whole job — unless something in it started its own session or process group
(a script's ``subprocess.Popen(..., start_new_session=True)``, a daemonising tool).
ansible-runner leaves those running. The worker makes itself a *child subreaper*
(Linux ``PR_SET_CHILD_SUBREAPER``), so such orphans are re-parented to it instead of
to init; after a canceled or timed-out job it kills every remaining process of the job.
Jobs that finish on their own keep Ansible's semantics: background processes they
started on purpose are left alone.

A subreaper must also wait for the orphans that exit while the job runs, or each
stays a zombie (a pod's pid limit counts them): ``OrphanReaper`` does, twice a
second, for exactly those children — never for the executor or the warm executor,
whose exit status ptyprocess and ``warm_executor`` wait for themselves (``protected``).

Inside a host program (``run_worker``) the worker is no subreaper and reaps nothing: a child the
host starts while the job runs (``start_new_session=True``, so in no session of the job's) would
be reaped under the host's ``Popen.wait()`` or killed with the job. There the job's processes
are those in a session the job's executor leads (it is spawned as a session leader, and
``RunnerSpawn`` records it as this job's: other jobs in other threads have their own) and those
whose environment carries the job's ``AWX_ISOLATED_DATA_DIR`` (which left it with ``setsid``);
upstream's Worker touches no process outside its job. Only the console script, which owns its
whole process (``claim_the_whole_process``), adopts and reaps orphans.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator

_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37
REAP_INTERVAL = 0.5

# Pids whose exit status someone else waits for; the lock is held while one is being
# spawned and registered, so the reaper can never reap it in between.
spawn_lock = threading.Lock()
_protected: set[int] = set()
_whole_process = False


def claim_the_whole_process() -> None:
    """The console script: every child of this process is one of the job's (see the module's docstring)."""
    global _whole_process
    _whole_process = True


def owns_the_process() -> bool:
    return _whole_process


def protect(pid: int) -> None:
    """Never reap ``pid`` here (call with ``spawn_lock`` held, right after spawning it)."""
    _protected.add(pid)


def _prctl(option: int, value: int = 0) -> int | None:
    import ctypes  # here: the worker starts its warm executor before anything it can defer

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if option == _PR_GET_CHILD_SUBREAPER:
            flag = ctypes.c_int(0)
            return flag.value if libc.prctl(option, ctypes.byref(flag), 0, 0, 0) == 0 else None
        return 0 if libc.prctl(option, value, 0, 0, 0) == 0 else None
    except (OSError, AttributeError):
        return None


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux only); returns whether it worked."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1) is not None


@contextlib.contextmanager
def subreaper_for_the_job() -> Iterator[None]:
    """Be a subreaper while the job runs, then be what we were before (a host program may not be one)."""
    before = _prctl(_PR_GET_CHILD_SUBREAPER)
    become_subreaper()
    try:
        yield
    finally:
        if before == 0:
            _prctl(_PR_SET_CHILD_SUBREAPER, 0)


def _stat_fields(pid: int) -> list[bytes] | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces; fields follow the last ')'.
    return data[data.rfind(b")") + 2 :].split()


def _children() -> list[int]:
    """Our direct children, from /proc/self/task/*/children (no scan of every process)."""
    found: list[int] = []
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/children", "rb") as handle:
                found.extend(int(pid) for pid in handle.read().split())
        except (OSError, ValueError):
            continue
    return found


def reap_orphans() -> int:
    """Wait for every exited child that is an adopted orphan of the job; returns how many."""
    own_session = os.getsid(0)
    reaped = 0
    with spawn_lock:
        for pid in _children():
            if pid in _protected:
                continue
            fields = _stat_fields(pid)
            # fields[0] is the state, fields[3] the session id
            if not fields or fields[0] != b"Z" or int(fields[3]) == own_session:
                continue
            with contextlib.suppress(ChildProcessError):
                if os.waitpid(pid, os.WNOHANG)[0] == pid:
                    reaped += 1
    return reaped


class OrphanReaper:
    """A thread that reaps the job's exited orphans while the worker waits for the job."""

    def __init__(self, interval: float = REAP_INTERVAL):
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="ftl2-runner-reaper", daemon=True)

    def __enter__(self) -> OrphanReaper:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            reap_orphans()


class JobProcesses:
    """The processes a job started, told apart from the rest of the host program's."""

    def __init__(self, *job_pids: int | None) -> None:
        """``job_pids``: processes already running that belong to the job (the warm executor)."""
        self._session = os.getsid(0)
        self._before = set(descendants()) - set(job_pids) if _whole_process else set()
        self._leaders: set[int] = set()
        self._marker: bytes | None = None

    def adopt(self, pid: int) -> None:
        """The job's executor, as it is spawned (a session leader: its session is the job's)."""
        self._leaders.add(pid)

    def mark(self, name: str, value: str) -> None:
        """The environment entry every process of the job inherits (inside a host program)."""
        self._marker = b"\0" + f"{name}={value}".encode("utf-8", "surrogateescape") + b"\0"

    def pids(self) -> list[int]:
        if not _whole_process:
            return self._pids_in_a_host_program()
        found = []
        for pid in descendants():
            if pid in self._before:
                continue
            fields = _stat_fields(pid)
            if fields and int(fields[3]) != self._session:
                found.append(pid)
        return found

    def _pids_in_a_host_program(self) -> list[int]:
        """Processes in a session the job's executor leads, or with the job's environment entry.

        Only this job's executor counts: other jobs of the host program (``run_worker`` in
        other threads) have executors of their own, and their processes are theirs.
        """
        leaders = self._leaders
        me = os.getpid()
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == me:
                continue
            pid = int(entry)
            fields = _stat_fields(pid)
            if not fields or fields[0] == b"Z":
                continue
            if int(fields[3]) in leaders or self._carries_marker(pid):
                found.append(pid)
        return found

    def _carries_marker(self, pid: int) -> bool:
        if self._marker is None:
            return False
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                return self._marker in b"\0" + handle.read()
        except OSError:
            return False

    def kill(self) -> list[int]:
        """SIGKILL every process of the job and reap those that are our children."""
        killed: list[int] = []
        for _ in range(5):  # a dying process may have forked meanwhile: repeat until none are left
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                except ProcessLookupError:
                    pass
            _reap(set(killed), timeout=1.0)
        return killed


def _parent_of(pid: int) -> int | None:
    fields = _stat_fields(pid)
    try:
        return int(fields[1]) if fields else None
    except (IndexError, ValueError):
        return None


def descendants(root: int | None = None) -> list[int]:
    """Pids of every live descendant of ``root`` (default: this process)."""
    root = os.getpid() if root is None else root
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            parent = _parent_of(int(entry))
            if parent is not None:
                parents[int(entry)] = parent
    found: list[int] = []
    frontier = [root]
    while frontier:
        current = frontier.pop()
        children = [pid for pid, parent in parents.items() if parent == current]
        found.extend(children)
        frontier.extend(children)
    return found


def _reap(pids: set[int], timeout: float) -> None:
    """Wait for those of ``pids`` that are our children (never ``waitpid(-1)``: a host's children are its own)."""
    deadline = time.monotonic() + timeout
    waiting = set(pids)
    while waiting and time.monotonic() < deadline:
        for pid in list(waiting):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not our child (its own parent reaps it), or already reaped
                waiting.discard(pid)
                continue
            if done == pid:
                waiting.discard(pid)
        if waiting:
            time.sleep(0.02)
