"""``ftl2-runner worker``: upstream's streaming Worker, running FTL2 jobs.

``Ftl2Worker`` *is* ``ansible_runner.streaming.Worker`` — stdin parsing, zip
extraction, keepalives, status/event/artifact writers and the eof line are all
upstream code. Its only change is that the job it starts is built with
``Ftl2RunnerConfig`` (see ``upstream.ftl2_jobs``).
"""

from __future__ import annotations

import json
import traceback
from typing import Any, BinaryIO

from ansible_runner.streaming import Worker

from .safe_unzip import UnsafeArchive
from .upstream import ftl2_jobs, validated_unzip


class TransmitStreamError(ValueError):
    """The transmit stream is well-formed JSON lines but not what a worker can run."""


class _CheckedInput:
    """Passes upstream's reads through, rejecting JSON lines that are not objects.

    Upstream tests ``'kwargs' in data`` on every parsed line, which crashes with a
    traceback (and no eof) on a JSON number or string; we refuse such a line first.
    """

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self.line_number = 0

    def readline(self, *args: Any) -> bytes:
        line = self._raw.readline(*args)
        self.line_number += 1
        try:
            data = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            return line  # upstream reports unparsable lines itself
        if not isinstance(data, dict):
            raise TransmitStreamError(
                f"Line {self.line_number} of the transmit stream is JSON but not an object: {line[:200]!r}"
            )
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class Ftl2Worker(Worker):
    """Upstream's Worker, with a guarantee: whatever goes wrong, a final status and an eof line.

    ansible-runner 2.4.3 dies with a traceback on stderr (and no eof) on an eof-only
    stream or a non-object JSON line; AWX then has nothing to parse. Here any such
    failure becomes ``{"status": "error", "job_explanation": ...}`` followed by eof,
    written through upstream's own (locked, keepalive-aware) writers.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._input = _CheckedInput(self._input)
        self._eof_sent = False

    def finished_callback(self, runner_obj: Any) -> None:
        self._eof_sent = True
        super().finished_callback(runner_obj)

    # --- noticing an executor that died ---------------------------------------------------

    _last_event: dict[str, Any] | None = None
    _saw_stats = False
    _runs_executor = False

    def event_handler(self, event_data: dict[str, Any]) -> Any:
        if event_data.get("counter"):
            self._last_event = event_data
            self._saw_stats = self._saw_stats or event_data.get("event") == "playbook_on_stats"
        return super().event_handler(event_data)

    def status_handler(self, status_data: dict[str, Any], runner_config: Any) -> None:
        status = status_data.get("status")
        if status == "starting":
            command = getattr(runner_config, "command", None) or []
            self._runs_executor = any("ftl2_runner.executor" in str(part) for part in command)
        if status == "failed" and self._runs_executor and not self._saw_stats:
            self._explain_early_exit(status_data)
        super().status_handler(status_data, runner_config)

    def _explain_early_exit(self, status_data: dict[str, Any]) -> None:
        """The executor always ends with a recap; without one it exited early or was killed.

        Emitted as one more ``verbose`` event in sequence (next counter, next line) so
        AWX shows the reason at the end of the job output.
        """
        import datetime
        import uuid

        last = self._last_event or {}
        line = last.get("end_line", 0)
        super().event_handler({
            "event": "verbose",
            "uuid": str(uuid.uuid4()),
            "counter": last.get("counter", 0) + 1,
            "stdout": "The FTL2 executor ended without finishing the playbook (no PLAY RECAP): "
                      "it exited early, crashed or was killed. Any reason it gave is shown above.",
            "start_line": line,
            "end_line": line + 1,
            "runner_ident": status_data.get("runner_ident"),
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        })

    def run(self) -> tuple[str, int | None]:
        from . import warm_executor
        from .process_tree import become_subreaper, kill_descendants

        become_subreaper()
        try:
            with ftl2_jobs(), validated_unzip():
                return super().run()
        except Exception as exc:
            if self._eof_sent:
                raise
            self._fail(exc)
            return self.status, self.rc
        finally:
            warm_executor.discard()  # before kill_descendants, which could reap it under our feet
            if self.status in ("canceled", "timeout", "error"):
                # Upstream killed the job's process group; also kill what escaped it.
                kill_descendants()

    def _fail(self, exc: Exception) -> None:
        if isinstance(exc, (TransmitStreamError, UnsafeArchive)):
            explanation = str(exc)
        elif self.job_kwargs is None:
            explanation = "The transmit stream ended without a kwargs record."
        else:
            explanation = f"The worker failed before the job could run: {type(exc).__name__}: {exc}"
        self.status_handler(
            {"status": "error", "job_explanation": explanation, "result_traceback": traceback.format_exc()}, None
        )
        self.finished_callback(None)


def run_worker(
    private_data_dir: str | None = None,
    keepalive_seconds: float | None = 0,
    script_path: str | None = None,
    _input: BinaryIO | None = None,
    _output: BinaryIO | None = None,
    **kwargs: Any,
) -> tuple[str, int | None]:
    """Run one job read from ``_input`` (default: stdin), streaming to ``_output`` (default: stdout).

    ``script_path`` is the script used when the job names no playbook. Returns
    ``(status, rc)`` like upstream ``Worker.run``.
    """
    if script_path is not None:
        kwargs["script_path"] = script_path
    worker = Ftl2Worker(
        _input=_input,
        _output=_output,
        keepalive_seconds=keepalive_seconds,
        private_data_dir=private_data_dir,
        **kwargs,
    )
    return worker.run()
