"""Runs a worker the way Receptor's work-command does (Receptor's pkg/workceptor/command.go).

* the whole payload is written to ``<unit>/stdin`` before the command starts;
* argv = [command] + shlex.split(params), no shell; a new session (setsid);
* stdout and stderr both go to ``<unit>/stdout``, opened O_SYNC;
* cancel = SIGINT to the worker pid (not the group), SIGKILL after 10 s; a unit that has already
  finished is left as it was (its state stays Succeeded/Failed);
* state Succeeded for exit 0, Failed otherwise, detail as Go's ``ProcessState.String()``:
  ``exit status N`` or ``signal: killed``;
* release = cancel, then the unit dir is deleted.

Checked against the real thing (receptor 1.4.8, tests/test_real_receptor.py): each point above
was observed there, except the SIGKILL after 10 s, which is receptor's termThenKill() and never
reached because the worker ends sooner. Two differences remain, on purpose: Receptor puts a ``receptor
--command-runner`` process between itself and the worker (the signals reach the worker the same
way), and after a cancel its ``work results`` stream stays open once every byte is sent
(AWX closes it; ``results()`` here simply returns the file).
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

CANCEL_GRACE = 10.0


@dataclass
class UnitStatus:
    state: str
    detail: str
    stdout_size: int


class WorkUnit:
    def __init__(self, unit_dir: Path, command: str, params: str, payload: bytes, env: dict[str, str] | None = None):
        self.unit_dir = unit_dir
        unit_dir.mkdir(parents=True, exist_ok=True)
        (unit_dir / "stdin").write_bytes(payload)
        self._stdin = open(unit_dir / "stdin", "rb")
        fd = os.open(unit_dir / "stdout", os.O_CREAT | os.O_WRONLY | os.O_SYNC | os.O_TRUNC, 0o600)
        self._stdout = os.fdopen(fd, "wb", buffering=0)
        self.argv = [command, *shlex.split(params)]
        self.process = subprocess.Popen(
            self.argv, stdin=self._stdin, stdout=self._stdout, stderr=self._stdout, start_new_session=True, env=env
        )
        self.canceled = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self._close()

    def cancel(self) -> float:
        """SIGINT the worker pid, SIGKILL it after 10 s; returns seconds until it exited.

        Receptor only marks a unit Canceled when its process was still there to signal
        (commandUnit.Cancel returns early on "process already finished").
        """
        start = time.monotonic()
        if self.process.poll() is not None:
            self._close()
            return 0.0
        self.canceled = True
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(CANCEL_GRACE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._close()
        return time.monotonic() - start

    def status(self) -> UnitStatus:
        rc = self.process.poll()
        size = (self.unit_dir / "stdout").stat().st_size
        if rc is None:
            return UnitStatus("Running", f"Running: PID {self.pid}", size)
        if self.canceled:
            return UnitStatus("Canceled", "Canceled", size)
        if rc < 0:
            # Go names signals as glibc's strsignal does, in lower case: "signal: killed".
            return UnitStatus("Failed", f"signal: {(signal.strsignal(-rc) or str(-rc)).lower()}", size)
        return UnitStatus("Succeeded" if rc == 0 else "Failed", f"exit status {rc}", size)

    def results(self) -> bytes:
        return (self.unit_dir / "stdout").read_bytes()

    def release(self) -> None:
        """``work release``: cancel (a no-op once the worker has exited), then delete the unit dir."""
        self.cancel()
        shutil.rmtree(self.unit_dir)

    def _close(self) -> None:
        for handle in (self._stdin, self._stdout):
            try:
                handle.close()
            except OSError:
                pass


def processes_with_marker(marker: str) -> list[int]:
    """Pids whose environment carries ``marker`` (every process of a job inherits it)."""
    needle = marker.encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle in handle.read():
                    found.append(int(entry))
        except OSError:
            pass
    return found
