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

    def run(self) -> tuple[str, int | None]:
        try:
            with ftl2_jobs(), validated_unzip():
                return super().run()
        except Exception as exc:
            if self._eof_sent:
                raise
            self._fail(exc)
            return self.status, self.rc

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
