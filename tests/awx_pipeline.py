"""A built AWX job (compat/awx_jobs.py) sent the whole way AWX sends it, with stock ansible-runner at both ends.

controller: STOCK ``ansible-runner`` transmit (tests/awx_transmit.py, compat reference env)
execution node: ``ftl2-runner worker --private-data-dir=<dir>`` — or, for the comparison, the stock
``ansible-runner worker`` with ansible-core — with stdout and stderr merged, as Receptor's
work-command runs it (one pipe for both: a stray line on stderr would reach AWX)
controller: STOCK ``process`` with AWX's handlers (tests/awx_controller.py), whose status is what AWX shows.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams import FTL2_RUNNER, parse_stream, worker_env

from compat.awx_jobs import BuiltJob
from compat.reference import ensure_reference_env

TESTS = Path(__file__).resolve().parent
TIMEOUT = int(os.environ.get("AWX_PIPELINE_TIMEOUT", "300"))


@dataclass
class AwxOutcome:
    stream: bytes  # what the worker wrote (stdout and stderr, merged)
    worker_rc: int
    report: dict[str, Any]  # tests/awx_controller.py's report: statuses, events, artifacts

    @property
    def status(self) -> str | None:
        """The job status AWX shows (the Processor's final status)."""
        return self.report.get("status")

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.report["events"]

    def text(self) -> str:
        import re

        joined = "\n".join(e["stdout"] for e in self.events if e.get("stdout"))
        return re.sub(r"\x1b\[[0-9;]*m", "", joined).replace("\r\n", "\n")

    def lines(self) -> list[dict[str, Any]]:
        return parse_stream(self.stream)


def stock_transmit(built: BuiltJob) -> bytes:
    python = ensure_reference_env() / "python"
    done = subprocess.run(
        [str(python), str(TESTS / "awx_transmit.py"), str(built.private_data_dir)],
        input=json.dumps(built.kwargs).encode(),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def stock_process(stream: bytes, controller_dir: Path, ident: Any) -> dict[str, Any]:
    python = ensure_reference_env() / "python"
    done = subprocess.run(
        [str(python), str(TESTS / "awx_controller.py"), str(controller_dir), str(ident)], input=stream, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def run_awx_job(
    built: BuiltJob, work: Path, side: str = "ftl2", env: dict[str, str] | None = None, worker_dir: Path | None = None
) -> AwxOutcome:
    """transmit → worker (``side``: ``ftl2`` or the stock ``ansible`` one) → process; the outcome as AWX sees it."""
    stream = stock_transmit(built)
    worker_dir = worker_dir or work / f"{side}-worker"
    environment = dict(env or worker_env())
    if side == "ftl2":
        command = [FTL2_RUNNER]
    else:
        reference = ensure_reference_env()
        command = [str(reference / "ansible-runner")]
        environment["PATH"] = f"{reference}{os.pathsep}{environment.get('PATH', '')}"
        environment.setdefault("ANSIBLE_PYTHON_INTERPRETER", str(reference / "python"))
    done = subprocess.run(
        [*command, "worker", f"--private-data-dir={worker_dir}"],
        input=stream,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=environment,
        timeout=TIMEOUT,
    )
    report = stock_process(done.stdout, work / f"{side}-controller", built.kwargs["ident"])
    return AwxOutcome(done.stdout, done.returncode, report)
