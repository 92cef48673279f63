"""``ftl2-runner worker``: upstream's streaming Worker, running FTL2 jobs.

``Ftl2Worker`` *is* ``ansible_runner.streaming.Worker`` — stdin parsing, zip
extraction, keepalives, status/event/artifact writers and the eof line are all
upstream code. Its only change is that the job it starts is built with
``Ftl2RunnerConfig`` (see ``upstream.ftl2_jobs``).
"""

from __future__ import annotations

from typing import Any, BinaryIO

from ansible_runner.streaming import Worker

from .upstream import ftl2_jobs


class Ftl2Worker(Worker):
    def run(self) -> tuple[str, int | None]:
        with ftl2_jobs():
            return super().run()


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
