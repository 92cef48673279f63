"""Runs a worker the way Receptor's work-command does, without Receptor (Receptor v1.4.8's pkg/workceptor).

The fast path for the tests that run everywhere; tests/test_real_receptor.py runs the real mesh.
Each point is from receptor's source (the tarball in ../shared/receptor/, file:line below):

* the whole payload is written to ``<unit>/stdin`` before anything starts (controlsvc.go:286-313,
  the ``submit`` command: the unit is allocated, stdin read from the connection until EOF and
  closed, then ``worker.Start()``);
* receptor starts a *command runner* (``receptor --command-runner command= params= unitdir=``,
  command.go:271-276) in a new session (``Setsid``: command_detach_unixlike.go:11-15, via
  ``runCommand``, command.go:227). Here that runner is this file run as a script
  (``--command-runner``); it runs the worker with ``exec.Command(command, shlex.Split(params)...)``
  (command.go:99-107): no shell, env and cwd inherited, and **no new session**: the worker is in
  the runner's session and process group;
* the worker's stdin is the ``stdin`` file (command.go:110-114); its stdout and stderr are one
  file, ``<unit>/stdout``, opened ``O_CREATE|O_WRONLY|O_SYNC`` with mode 0600 and **without**
  ``O_TRUNC`` (command.go:115-120);
* every 250 ms the runner writes the status file: ``Running``, ``Running: PID <worker>``, the
  stdout size (command.go:140-141); at the worker's exit ``Succeeded`` for exit 0, else ``Failed``,
  with Go's ``ProcessState.String()`` as detail (``exit status N``, ``signal: killed``), and it
  exits with the worker's exit code, -1 (255) for a signal (command.go:162-173);
* SIGINT or SIGTERM to the runner (a ``work cancel``, or a node shutdown) runs ``termThenKill``:
  SIGINT to the worker's pid (not its group), up to 10 s for it to exit, then SIGKILL to that pid
  (command.go:65-80, 108-109, 133-134); the runner then writes ``Failed``/``Killed`` and exits -1
  (command.go:135-139);
* ``work cancel`` (``commandUnit.Cancel``, command.go:300-327) sends SIGINT to the runner's pid;
  a runner that is gone is "already finished" and the unit keeps its state (command.go:313-317);
  otherwise it waits for the runner (command.go:322) and marks the unit ``Canceled``/``Canceled``
  (command.go:324). After a receptor restart the runner is no longer receptor's child: that wait
  fails at once, so the cancel returns at once, marked ``Canceled``, while the runner is still
  taking the worker down (``restart()`` here);
* release = cancel, then the unit dir is deleted (command.go:330-337).

Checked against the real thing (tests/test_real_receptor.py): the states, details and stdout
sizes above, the worker's session and its stdout's flags, a cancel, a cancel after a restart.
One difference remains, on purpose: after a cancel, receptor's ``work results`` stream stays open
once every byte is sent (AWX closes it); ``results()`` here simply returns the file. The status
file is replaced atomically here, where receptor locks it (workunitbase.go ``Save``).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CANCEL_GRACE = 10.0  # termThenKill's wait between SIGINT and SIGKILL (command.go:73)
STATUS_INTERVAL = 0.25  # the runner's status updates (command.go:140)
STATE_NAMES = ("Pending", "Running", "Succeeded", "Failed", "Canceled")  # WorkState* (workunitbase.go:29-33)


@dataclass
class UnitStatus:
    state: str
    detail: str
    stdout_size: int


class WorkUnit:
    """One ``ansible-runner`` work unit: its command runner and, under it, the worker."""

    def __init__(
        self,
        unit_dir: Path,
        command: str,
        params: str,
        payload: bytes,
        env: dict[str, str] | None = None,
        grace: float = CANCEL_GRACE,
    ):
        self.unit_dir = unit_dir
        unit_dir.mkdir(parents=True, exist_ok=True)
        (unit_dir / "stdin").write_bytes(payload)
        self.argv = [command, *shlex.split(params)]
        runner = [sys.executable, __file__, "--command-runner", f"command={command}", f"params={params}", f"unitdir={unit_dir}"]
        if grace != CANCEL_GRACE:
            runner.append(f"grace={grace}")  # tests of the stand-in itself
        self.process = subprocess.Popen(runner, stdin=subprocess.DEVNULL, start_new_session=True, env=env)
        self.canceled = False
        self.restarted = False
        self._worker_pid: int | None = None

    @property
    def runner_pid(self) -> int:
        return self.process.pid

    @property
    def pid(self) -> int:
        """The worker's pid (the command runner's child)."""
        if self._worker_pid is None:
            deadline = time.monotonic() + 10
            while not (children := _children(self.runner_pid)):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise AssertionError(f"the command runner {self.runner_pid} started no worker")
                time.sleep(0.01)
            self._worker_pid = children[0]
        return self._worker_pid

    def running(self) -> bool:
        return self.process.poll() is None

    def wait(self, timeout: float) -> int:
        """The runner's exit code: the worker's, 255 for a worker killed by a signal or a canceled unit."""
        return self.process.wait(timeout)

    def restart(self) -> None:
        """Receptor restarted: the runner and worker go on, but the runner is no longer its child."""
        self.restarted = True

    def shutdown(self) -> None:
        """A node shutdown: SIGTERM to the command runner (systemd's stop), which takes the worker down."""
        self.process.send_signal(signal.SIGTERM)

    def cancel(self) -> float:
        """``work cancel``: SIGINT to the command runner; returns seconds until the cancel returned.

        The runner SIGINTs the worker and SIGKILLs it 10 s later; the cancel waits for the runner
        unless receptor restarted since it started it. A runner that has exited leaves the unit
        as it ended.
        """
        start = time.monotonic()
        if self.process.poll() is not None:
            return 0.0
        self.process.send_signal(signal.SIGINT)
        if not self.restarted:
            self.process.wait()
        self.canceled = True
        return time.monotonic() - start

    def status(self) -> UnitStatus:
        size = _size(self.unit_dir / "stdout")
        if self.canceled:
            return UnitStatus("Canceled", "Canceled", size)
        try:
            data = json.loads((self.unit_dir / "status").read_text())
        except (OSError, ValueError):
            return UnitStatus("Pending", "Launching command runner", 0)
        return UnitStatus(STATE_NAMES[data["State"]], data["Detail"], data["StdoutSize"])

    def results(self) -> bytes:
        try:
            return (self.unit_dir / "stdout").read_bytes()
        except FileNotFoundError:  # the command runner has not opened it yet
            return b""

    def release(self) -> None:
        """``work release``: cancel (a no-op once the runner has exited), then delete the unit dir."""
        self.cancel()
        shutil.rmtree(self.unit_dir)

    def close(self) -> None:
        """Reap the runner (a test's clean-up; receptor itself never waits after a restart)."""
        try:
            self.process.wait(CANCEL_GRACE + 5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _children(pid: int) -> list[int]:
    children = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                children += [int(child) for child in handle.read().split()]
    except OSError:
        pass
    return children


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def processes_with_marker(marker: str, cwd_under: Path | None = None) -> list[int]:
    """Pids whose environment carries ``marker`` (every process of a job inherits it), or whose
    working directory is inside ``cwd_under``.

    A job's ``envvars`` reach every process it starts, but not the environment the kernel shows
    for a warm executor (``/proc/<pid>/environ`` is the one it was started with, before it was
    handed the job): the job's directory finds that one, since it works in it.
    """
    needle = marker.encode()
    prefix = str(cwd_under) if cwd_under is not None else None
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle in handle.read():
                    found.append(int(entry))
                    continue
            if prefix is not None:
                cwd = os.readlink(f"/proc/{entry}/cwd")
                if cwd == prefix or cwd.startswith(prefix + "/"):
                    found.append(int(entry))
        except OSError:
            pass
    return found


def executor_command_lines(marker: str) -> list[str]:
    """The command lines of the executors that started the processes carrying ``marker``.

    The warm executor keeps ``python -m ftl2_runner.executor.warm N`` as its command line (see
    ftl2_runner.processes.warm_executor), a forked one is ``python -m ftl2_runner.executor ...``: this says
    which one ran a job. The marked processes are the job's children; their executor is the
    nearest ancestor whose command line names ``ftl2_runner.executor``.
    """
    found = set()
    for pid in processes_with_marker(marker):
        for _ in range(8):
            line = _command_line(pid)
            if "ftl2_runner.executor" in line:
                found.add(line)
                break
            pid = _parent(pid)
            if pid <= 1:
                break
    return sorted(found)


def _command_line(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _parent(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return int(handle.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


# --- the command runner (receptor --command-runner), run as this script -------------------------


def _write_status(unit_dir: Path, state: int, detail: str, stdout_size: int, pid: int = 0) -> None:
    """Receptor's status file (StatusFileData, workunitbase.go), replaced atomically."""
    data = {"State": state, "Detail": detail, "StdoutSize": stdout_size, "WorkType": "ansible-runner", "ExtraData": None}
    temporary = unit_dir / f".status.{os.getpid()}"
    temporary.write_text(json.dumps(data))
    os.replace(temporary, unit_dir / "status")


def _process_state(status: int) -> str:
    """Go's ``ProcessState.String()`` for a wait status."""
    if os.WIFSIGNALED(status):
        name = (signal.strsignal(os.WTERMSIG(status)) or f"signal {os.WTERMSIG(status)}").lower()
        return f"signal: {name}" + (" (core dumped)" if os.WCOREDUMP(status) else "")
    return f"exit status {os.WEXITSTATUS(status)}"


def command_runner(command: str, params: str, unit_dir: Path, grace: float = CANCEL_GRACE) -> int:
    """``commandRunner`` (command.go:90-176), step by step."""
    _write_status(unit_dir, 0, "Not started yet", 0)  # command.go:94
    argv = [command, *shlex.split(params)] if params else [command]  # command.go:99-107
    terminate = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # command.go:108-109
        signal.signal(signum, lambda *_: terminate.set())
    stdin = os.open(unit_dir / "stdin", os.O_RDONLY)  # command.go:110
    stdout = os.open(unit_dir / "stdout", os.O_CREAT | os.O_WRONLY | os.O_SYNC, 0o600)  # command.go:115
    try:
        worker = subprocess.Popen(argv, stdin=stdin, stdout=stdout, stderr=stdout)  # command.go:119-121, no Setsid
    except OSError as exc:
        _write_status(unit_dir, 3, f"Error: {exc}", _size(unit_dir / "stdout"))
        return 1
    finally:
        os.close(stdin)
        os.close(stdout)
    next_status = 0.0
    while True:
        try:
            pid, status = os.waitpid(worker.pid, os.WNOHANG)
        except ChildProcessError:
            return 1
        if pid:
            break
        if terminate.is_set():  # command.go:133-139: termThenKill, then Failed "Killed", exit -1
            os.kill(worker.pid, signal.SIGINT)
            deadline = time.monotonic() + grace
            while not os.waitpid(worker.pid, os.WNOHANG)[0]:
                if time.monotonic() >= deadline:
                    os.kill(worker.pid, signal.SIGKILL)  # not waited for: the runner exits at once
                    break
                time.sleep(0.02)
            _write_status(unit_dir, 3, "Killed", _size(unit_dir / "stdout"))
            return 255
        if time.monotonic() >= next_status:  # command.go:140-141
            _write_status(unit_dir, 1, f"Running: PID {worker.pid}", _size(unit_dir / "stdout"))
            next_status = time.monotonic() + STATUS_INTERVAL
        terminate.wait(0.02)
    state = 2 if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else 3  # command.go:162-172
    _write_status(unit_dir, state, _process_state(status), _size(unit_dir / "stdout"))
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 255  # command.go:173: ExitCode() is -1 for a signal


if __name__ == "__main__" and sys.argv[1:2] == ["--command-runner"]:
    options = dict(arg.split("=", 1) for arg in sys.argv[2:])
    sys.exit(command_runner(options["command"], options["params"], Path(options["unitdir"]), float(options.get("grace", CANCEL_GRACE))))
