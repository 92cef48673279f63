"""``ftl2-runner worker``: upstream's streaming Worker, running FTL2 jobs.

``Ftl2Worker`` *is* ``ansible_runner.streaming.Worker`` — stdin parsing, zip
extraction, keepalives, status/event/artifact writers and the eof line are all
upstream code. What it changes is passed to upstream's ``Worker.run`` for this worker
alone (``upstream.run_worker_stream``): the zip is checked before upstream extracts it,
the job's kwargs before it starts, and the job is built with ``Ftl2RunnerConfig`` and
spawned with ``RunnerSpawn`` (``upstream.run_job``). Nothing in ansible-runner's modules
changes, so workers in several threads of one process run side by side.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import tempfile
import threading
import traceback
from typing import Any, BinaryIO

from ansible_runner.streaming import Worker

from .intake.job_paths import UnsafeDataDir, check_job_kwargs
from .intake.safe_unzip import UnsafeArchive, make_safe_unstream_dir
from .processes.cancel import CancelWatch, JobCanceled
from .processes.config import EXECUTOR_MODULE
from .processes.stream_output import CoalescedOutput
from .processes.upstream import MissingIsolationExecutable, Spool, check_isolation_executable, run_job, run_worker_stream

logger = logging.getLogger("ansible-runner")
FINAL_STATUSES = frozenset({"successful", "failed", "timeout", "canceled", "error"})
RC_CANCELED = 254  # what upstream's Runner returns for a canceled job
_DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EFBIG})
ZIP_GRACE_AFTER_CANCEL = 8.0  # seconds after the cancel: eof comes before Receptor SIGKILLs at 10 s


class TransmitStreamError(ValueError):
    """The transmit stream is well-formed JSON lines but not what a worker can run."""


class _CheckedInput:
    """Passes upstream's reads through, rejecting lines upstream would crash on.

    Upstream tests ``'kwargs' in data`` on every parsed line, which crashes with a
    traceback (and no eof) on a JSON number or string, and calls ``.get`` on the
    kwargs record's value; it also lets a ``UnicodeDecodeError`` escape. We refuse
    such lines first, saying what was wrong.
    """

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self.line_number = 0

    def readline(self, *args: Any) -> bytes:
        line = self._raw.readline(*args)
        self.line_number += 1
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TransmitStreamError(
                f"Line {self.line_number} of the transmit stream is not UTF-8 ({exc.reason} at byte {exc.start}): {line[:200]!r}"
            ) from None
        try:
            data = json.loads(line)
        except ValueError:
            return line  # upstream reports unparsable lines itself
        if not isinstance(data, dict):
            raise TransmitStreamError(f"Line {self.line_number} of the transmit stream is JSON but not an object: {line[:200]!r}")
        if "kwargs" in data and not isinstance(data["kwargs"], dict):
            raise TransmitStreamError(
                f"Line {self.line_number} of the transmit stream: the kwargs record must hold a JSON object, "
                f"not {_json_type(data['kwargs'])}"
            )
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _json_type(value: Any) -> str:
    return {
        dict: "an object",
        list: "an array",
        str: "a string",
        bool: "a boolean",
        type(None): "null",
        int: "a number",
        float: "a number",
    }.get(type(value), type(value).__name__)


class Ftl2Worker(Worker):
    """Upstream's Worker, with a guarantee: whatever goes wrong, a final status and an eof line.

    ansible-runner 2.4.3 dies with a traceback on stderr (and no eof) on an eof-only
    stream or a non-object JSON line; AWX then has nothing to parse. Here any such
    failure becomes ``{"status": "error", "job_explanation": ...}`` followed by eof,
    written through upstream's own (locked, keepalive-aware) writers.
    """

    _input: Any  # upstream's input stream (Worker.__init__), wrapped below
    _output: Any  # upstream's output stream, wrapped below: event lines coalesced, statuses and eof drained

    def __init__(self, *args: Any, cancel_watch: CancelWatch | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._input = _CheckedInput(self._input)
        self._output = CoalescedOutput(self._output)  # Receptor's stdout is an O_SYNC file: see stream_output
        self._cancel = cancel_watch or CancelWatch()
        self._eof_sent = False
        self._final_status_sent = False

    def finished_callback(self, runner_obj: Any) -> None:
        self._eof_sent = True
        super().finished_callback(runner_obj)
        self._output.drain()  # the eof is written when this returns

    # --- noticing an executor that died ---------------------------------------------------

    _last_event: dict[str, Any] | None = None
    _saw_stats = False
    _runs_executor = False
    _job_processes: Any = None  # process_tree.JobProcesses, from run()
    _spool: Spool | None = None  # upstream's temporary zips, in the data dir (from run())
    _executor_died = False

    def event_handler(self, event_data: dict[str, Any]) -> Any:
        if event_data.get("counter"):
            self._last_event = event_data
            self._saw_stats = self._saw_stats or event_data.get("event") == "playbook_on_stats"
        return super().event_handler(event_data)

    def status_handler(self, status_data: dict[str, Any], runner_config: Any) -> None:
        status = status_data.get("status")
        if status in FINAL_STATUSES:
            self._final_status_sent = True  # one final status per job: see _fail
        if status == "starting":
            isolated = (getattr(runner_config, "env", None) or {}).get("AWX_ISOLATED_DATA_DIR")
            if isolated and self._job_processes is not None:
                self._job_processes.mark("AWX_ISOLATED_DATA_DIR", isolated)  # every process of the job inherits it
            command = getattr(runner_config, "command", None) or []
            self._runs_executor = any(EXECUTOR_MODULE in str(part) for part in command)
        if status == "failed" and self._runs_executor and not self._executor_ended_on_purpose():
            self._executor_died = True  # its tasks may still run: killed with the job's processes (run)
            self._explain_early_exit(status_data)
        super().status_handler(status_data, runner_config)
        self._output.drain()  # a status is written when this returns, never held back with the events

    def _executor_ended_on_purpose(self) -> bool:
        """The executor ends every run it finishes with a recap, and every run it refuses
        (a script that cannot load, a bad command line) with an ``error`` event saying why
        as its last event; anything else means it died (killed, crashed, ``os._exit``)."""
        last_event = (self._last_event or {}).get("event")
        return self._saw_stats or last_event == "error"

    def _explain_early_exit(self, status_data: dict[str, Any]) -> None:
        """The executor always ends with a recap; without one it exited early or was killed.

        Emitted as one more ``verbose`` event in sequence (next counter, next line) so
        AWX shows the reason at the end of the job output.
        """
        import datetime
        import uuid

        last = self._last_event or {}
        line = last.get("end_line", 0)
        super().event_handler(
            {
                "event": "verbose",
                "uuid": str(uuid.uuid4()),
                "counter": last.get("counter", 0) + 1,
                "stdout": "The FTL2 executor ended without finishing the playbook (no PLAY RECAP): "
                "it exited early, crashed or was killed. Any reason it gave is shown above.",
                "start_line": line,
                "end_line": line + 1,
                "runner_ident": status_data.get("runner_ident"),
                "created": datetime.datetime.now(datetime.UTC).isoformat(),
            }
        )

    def run(self) -> tuple[str, int | None]:
        import contextlib

        from .processes import warm_executor
        from .processes.process_tree import JobProcesses, OrphanReaper, owns_the_process, subreaper_for_the_job

        job = self._job_processes = JobProcesses(warm_executor.waiting_pid())  # the warm executor will be the job's executor
        whole = owns_the_process()  # inside a host program: no subreaper, no reaper (process_tree.py)
        with subreaper_for_the_job() if whole else contextlib.nullcontext():
            try:
                with OrphanReaper() if whole else contextlib.nullcontext():
                    return self._run_job()
            finally:
                try:
                    self._output.close()  # every byte written; later writes go straight through
                except OSError as exc:  # stdout is gone (its reader closed it): nothing left to tell
                    logger.debug("ftl2-runner: stdout failed: %r", exc)
                warm_executor.discard()  # before the kill below, which could reap it under our feet
                if self.status in ("canceled", "timeout", "error") or self._cancel.is_set() or self._executor_died:
                    # Upstream killed the job's process group; also kill what escaped it, and after a
                    # cancel that came during the artifacts zip, what the finished job left running.
                    # An executor that died (SIGKILL, a crash) left its running task: killed too.
                    job.kill()

    def _run_job(self) -> tuple[str, int | None]:
        try:
            self._spool = Spool(self.private_data_dir)
            try:
                return run_worker_stream(self, unstream_dir=self._checked_unstream_dir, run=self._start_job)
            finally:
                self._spool.remove()
        except JobCanceled:
            self._finish_canceled_before_start()
            return self.status, self.rc
        except Exception as exc:
            self._fail(exc)
            return self.status, self.rc

    def _checked_unstream_dir(self, stream: Any, length: int, target_directory: str) -> None:
        """Upstream's extraction of the data dir, after the archive check (``safe_unzip``)."""
        assert self._spool is not None
        make_safe_unstream_dir(self._spool.unstream_dir)(stream, length, target_directory)

    def _start_job(self, **kwargs: Any) -> Any:
        """What upstream's ``Worker.run`` calls once the stream is read: the kwargs checked, then the job.

        Called after the stream is read and unpacked and before ``dump_artifacts`` writes
        ``env/``: kwargs and data dirs that would make the job write outside the data dir are
        refused (``job_paths``). With the worker's cancel watch installed, upstream's Runner
        polls the watch's flag, so one flag covers the whole job (see ``cancel``).
        """
        self._cancel.raise_if_set()  # the stream is read and unpacked: the last moment before the job
        check_job_kwargs(kwargs, streamed=True)
        check_isolation_executable(kwargs)
        kwargs.pop("cancel_callback", None)  # from the stream: JSON, never a callable
        if self._cancel.installed:
            kwargs["cancel_callback"] = self._cancel.upstream_signal_handler()
        return run_job(kwargs, job_processes=self._job_processes)

    # --- one final status, then eof, whatever happens -------------------------------------

    def _finish_canceled_before_start(self) -> None:
        """A cancel while the job was being received or unpacked: ``canceled``, as upstream's Runner says it."""
        self.rc = RC_CANCELED
        if not self._final_status_sent:
            status: dict[str, Any] = {"status": "canceled"}
            if self.job_kwargs and self.job_kwargs.get("ident") is not None:
                status["runner_ident"] = str(self.job_kwargs["ident"])
            self.status_handler(status, None)
        if not self._eof_sent:
            self.finished_callback(None)

    def _fail(self, exc: Exception) -> None:
        if self._eof_sent:
            logger.debug("ftl2-runner: error after eof (ignored): %r", exc, exc_info=True)
            return
        if self._final_status_sent:
            # e.g. the artifacts zip failed (a socket in the artifact dir, a data dir deleted
            # under us): the job's status stands; the stream still ends, with no zip.
            logger.debug("ftl2-runner: error after the final status: %r", exc, exc_info=True)
            self.finished_callback(None)
            return
        if isinstance(exc, (TransmitStreamError, UnsafeArchive, UnsafeDataDir, MissingIsolationExecutable)):
            explanation = str(exc)
        elif isinstance(exc, OSError) and exc.errno in _DISK_ERRORS:
            explanation = (
                f"The worker cannot write into the private data directory ({exc.strerror}"
                f"{': ' + str(exc.filename) if exc.filename else ''}): the job was stopped. "
                "Free space on the execution node (or raise its quota) and run the job again."
            )
        elif self.job_kwargs is None:
            explanation = "The transmit stream ended without a kwargs record."
        else:
            explanation = f"The worker failed before the job could run: {type(exc).__name__}: {exc}"
        self.status_handler({"status": "error", "job_explanation": explanation, "result_traceback": traceback.format_exc()}, None)
        self.finished_callback(None)

    # --- the artifacts zip, bounded after a cancel ----------------------------------------

    def artifacts_handler(self, artifact_dir: str) -> None:
        """Upstream's zip of the artifact dir, built aside first so a cancel can cut it short.

        Receptor SIGKILLs the worker 10 s after its SIGINT. Upstream writes the zip to
        the stream while it builds it, so a large artifact dir outlasted that and the
        stream ended without eof. Here upstream's ``stream_dir`` writes into a spool file
        in a thread; after a cancel it gets ``ZIP_GRACE_AFTER_CANCEL`` seconds, then the
        zip is dropped and the stream ends with eof alone (the final status is already out).
        """
        from .executor.display.partial_files import remove_slots

        remove_slots(os.path.join(artifact_dir, "job_events"))  # left by an executor that was killed
        failure: list[BaseException] = []
        # anonymous: nothing is left if the zip is abandoned; in the data dir (upstream.Spool)
        job_spool = self._spool
        assert job_spool is not None  # made by run(), before upstream's Runner can call this
        spool = tempfile.TemporaryFile(dir=job_spool.directory)

        def build() -> None:
            try:
                job_spool.stream_dir(artifact_dir, spool)
            except BaseException as exc:  # re-raised in the worker's thread below
                failure.append(exc)

        builder = threading.Thread(target=build, name="ftl2-runner-artifacts", daemon=True)
        builder.start()
        while builder.is_alive():
            builder.join(0.05)
            if self._cancel.seconds_left(ZIP_GRACE_AFTER_CANCEL) == 0.0:
                logger.debug("ftl2-runner: artifacts zip abandoned %.0f s after a cancel", ZIP_GRACE_AFTER_CANCEL)
                return
        with spool:
            if failure:
                raise failure[0]
            spool.seek(0)
            with self._output_lock:
                shutil.copyfileobj(spool, self._output, 1024 * 1024)
                self._output.drain()
                self._output_event.set()


def run_worker(
    private_data_dir: str | None = None,
    keepalive_seconds: float | None = 0,
    script_path: str | None = None,
    _input: BinaryIO | None = None,
    _output: BinaryIO | None = None,
    cancel_watch: CancelWatch | None = None,
    **kwargs: Any,
) -> tuple[str, int | None]:
    """Run one job read from ``_input`` (default: stdin), streaming to ``_output`` (default: stdout).

    ``script_path`` is the script used when the job names no playbook. Returns
    ``(status, rc)`` like upstream ``Worker.run``. Called from the main thread, SIGINT
    and SIGTERM cancel the job from the first byte read until eof, and are given back
    to the caller afterwards.
    """
    if script_path is not None:
        kwargs["script_path"] = script_path
    own_watch = cancel_watch is None
    watch = cancel_watch or CancelWatch()
    if own_watch:
        watch.install()
    try:
        if keepalive_seconds is None:
            keepalive_seconds = keepalive_from_environment()
        worker = Ftl2Worker(
            _input=_input,
            _output=_output,
            keepalive_seconds=keepalive_seconds,
            private_data_dir=private_data_dir,
            cancel_watch=watch,
            **kwargs,
        )
        return worker.run()
    except (JobCanceled, InvalidWorkerSetting) as exc:  # before the Worker could stream anything
        canceled = isinstance(exc, JobCanceled)
        write_final_status(_output, {"status": "canceled"} if canceled else {"status": "error", "job_explanation": str(exc)})
        return ("canceled", RC_CANCELED) if canceled else ("error", None)
    finally:
        if own_watch:
            watch.restore()


class InvalidWorkerSetting(ValueError):
    """The worker's own command line or environment is unusable; said in an error status."""


def keepalive_from_environment() -> float:
    """``ANSIBLE_RUNNER_KEEPALIVE_SECONDS`` as upstream reads it, but a bad value is an error status, not a crash."""
    import os

    raw = os.environ.get("ANSIBLE_RUNNER_KEEPALIVE_SECONDS", "0")
    try:
        value = float(raw)
    except ValueError:
        raise InvalidWorkerSetting(f"ANSIBLE_RUNNER_KEEPALIVE_SECONDS={raw!r} is not a number of seconds") from None
    if value != value or value < 0:  # NaN or negative
        raise InvalidWorkerSetting(f"ANSIBLE_RUNNER_KEEPALIVE_SECONDS={raw!r} is not a number of seconds")
    return value


def write_final_status(output: BinaryIO | None, status: dict[str, Any]) -> None:
    """A final status and eof, byte for byte as upstream's ``Worker`` writes them, for when there is no Worker."""
    import sys

    target = output if output is not None else sys.stdout.buffer
    target.write(json.dumps(status).encode("utf-8") + b"\n")
    target.write(json.dumps({"eof": True}).encode("utf-8") + b"\n")
    target.flush()
