"""Test helpers: build private data dirs, run the real console script, parse and process streams."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BIN_DIR = Path(sys.executable).parent
FTL2_RUNNER = str(BIN_DIR / "ftl2-runner")
LOCAL_INVENTORY = "[local]\nlocalhost ansible_connection=local\n"


def worker_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env.setdefault("TERM", "xterm")
    env.update(extra)
    return env


def make_data_dir(
    root: Path, script: str | None, name: str = "job.py", inventory: str | None = LOCAL_INVENTORY, env_files: dict[str, str] | None = None
) -> Path:
    """A private data dir with ``project/<name>`` holding ``script`` (dedented)."""
    pdd = root / "pdd"
    (pdd / "project").mkdir(parents=True)
    if script is not None:
        (pdd / "project" / name).write_text(textwrap.dedent(script))
    if inventory is not None:
        (pdd / "inventory").mkdir()
        (pdd / "inventory" / "hosts").write_text(inventory)
    for rel, text in (env_files or {}).items():
        path = pdd / "env" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return pdd


def transmit(pdd: Path, *args: str) -> bytes:
    """``ftl2-runner transmit PDD ARGS`` (upstream's transmitter)."""
    done = subprocess.run([FTL2_RUNNER, "transmit", str(pdd), *args], capture_output=True, timeout=60, check=True)
    return done.stdout


@dataclass
class WorkerRun:
    stdout: bytes
    stderr: bytes
    rc: int
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def statuses(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if "status" in line]

    @property
    def events(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if "event" in line and line.get("event") != "keepalive"]

    def event_names(self) -> list[str]:
        return [e["event"] for e in self.events]

    @property
    def final_status(self) -> str:
        return self.statuses[-1]["status"]

    def text(self) -> str:
        """The job output as AWX would show it: event stdout joined, colour codes removed."""
        import re

        joined = "\r\n".join(e["stdout"] for e in self.events if e["stdout"])
        return re.sub(r"\x1b\[[0-9;]*m", "", joined).replace("\r\n", "\n")


def parse_stream(data: bytes) -> list[dict[str, Any]]:
    """Split a worker stream into JSON records; the base64 zip shares a line with the eof record."""
    records: list[dict[str, Any]] = []
    lines = data.split(b"\n")
    assert lines[-1] == b"", "stream must end with a newline"
    for raw in lines[:-1]:
        if raw.startswith(b"{"):
            records.append(json.loads(raw))
        else:
            # <base64 zip>{"eof": true}
            head, sep, tail = raw.partition(b'{"eof": true}')
            assert sep and not tail, f"unexpected line in stream: {raw[:200]!r}"
            assert records and "zipfile" in records[-1], "base64 payload must follow a zipfile record"
            records.append({"eof": True, "_zip_b64_len": len(head)})
    return records


def run_worker(
    stream: bytes, pdd: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120, awx_check: bool = True
) -> WorkerRun:
    """Run the real console script; every stream is also checked against AWX's demands."""
    done = subprocess.run(
        [FTL2_RUNNER, "worker", f"--private-data-dir={pdd}", *args],
        input=stream,
        capture_output=True,
        timeout=timeout,
        env=env or worker_env(),
    )
    run = WorkerRun(done.stdout, done.stderr, done.returncode)
    run.lines = parse_stream(done.stdout)
    if awx_check:
        from awx_receiver import check_stream

        check_stream(done.stdout)
    return run


@dataclass
class Processed:
    status: str
    statuses: list[dict[str, Any]]
    events: list[dict[str, Any]]
    artifact_dir: Path
    finished: bool


def process(stream: bytes, dest: Path, ident: str | None = None) -> Processed:
    """Feed a worker stream to ansible-runner's own Processor, as AWX does."""
    import ansible_runner

    statuses: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    finished: list[bool] = []
    dest.mkdir(parents=True, exist_ok=True)
    result = ansible_runner.interface.run(
        streamer="process",
        quiet=True,
        private_data_dir=str(dest),
        ident=ident,
        _input=io.BytesIO(stream),
        status_handler=lambda data, runner_config: statuses.append(dict(data)),
        event_handler=lambda data: events.append(dict(data)) or True,
        artifacts_handler=lambda path: None,
        finished_callback=lambda runner: finished.append(True),
    )
    artifact_dir = dest / "artifacts" / ident if ident else dest / "artifacts"
    return Processed(result.status, statuses, events, artifact_dir, bool(finished))


def pipeline(
    pdd: Path, tmp_path: Path, *transmit_args: str, env: dict[str, str] | None = None, worker_args: tuple[str, ...] = ()
) -> tuple[WorkerRun, Processed]:
    """transmit | worker | Processor, with the worker in its own data dir."""
    stream = transmit(pdd, *transmit_args)
    wdir = tmp_path / "worker"
    run = run_worker(stream, wdir, *worker_args, env=env)
    ident = run.statuses[0].get("runner_ident")
    processed = process(run.stdout, tmp_path / "controller", ident)
    return run, processed


def clean(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
