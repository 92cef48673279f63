"""The one seam where ftl2-runner plugs into upstream ansible-runner.

Upstream's ``Worker.run`` reads the transmit stream and then calls
``ansible_runner.interface.run(**kwargs)``, whose ``init_runner`` builds a
``RunnerConfig`` by module-level name and hands it to ``Runner``. Everything on
that path is what we want to reuse byte for byte: stdin parsing, keepalives,
``dump_artifacts``, SIGINT/SIGTERM as cancel, Runner's pexpect loop, the event
filter, status lines and the artifacts zip. We need three things different: the config
class, a pexpect child that does not keep the whole job's output (see ``runner_spawn``),
and a safety check in front of upstream's zip extraction. So for the duration of a job
we bind ``interface.RunnerConfig`` to ``Ftl2RunnerConfig``, the ``pexpect`` name that
``ansible_runner.runner`` calls to a module whose ``spawn`` is ``RunnerSpawn``, and
``streaming.unstream_dir`` to a validating wrapper around upstream's own function,
instead of copying upstream's read loop or ``init_runner``.

The binding is process-wide while a job runs (guarded by a lock, restored after);
``ftl2-runner`` processes run one job each, and the Python API documents that
``ansible_runner.run`` must not be called concurrently with ``ftl2_runner.run`` in
one process.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cancel import CancelWatch

_lock = threading.RLock()


@contextlib.contextmanager
def ftl2_jobs() -> Iterator[None]:
    """Make upstream's ``interface.run`` build ``Ftl2RunnerConfig`` objects, run by a bounded spawn."""
    import ansible_runner.interface as interface
    import ansible_runner.runner as runner

    from .config import Ftl2RunnerConfig
    from .runner_spawn import pexpect_for_runner

    with _lock:
        original_config, original_pexpect = interface.RunnerConfig, runner.pexpect
        interface.RunnerConfig, runner.pexpect = Ftl2RunnerConfig, pexpect_for_runner
        try:
            yield
        finally:
            interface.RunnerConfig, runner.pexpect = original_config, original_pexpect


@contextlib.contextmanager
def validated_unzip() -> Iterator[None]:
    """Make upstream ``Worker.run`` validate the data-dir zip before extracting it.

    Upstream's ``unstream_dir`` would apply modes and mtimes, or create symlinks, at
    paths outside the data dir for hostile entries (see ``safe_unzip``); the wrapper
    rejects such archives and then calls upstream's own extraction.
    """
    import ansible_runner.streaming as streaming

    from ..intake.safe_unzip import make_safe_unstream_dir

    with _lock:
        original = streaming.unstream_dir
        streaming.unstream_dir = make_safe_unstream_dir(original)
        try:
            yield
        finally:
            streaming.unstream_dir = original


@contextlib.contextmanager
def streamed_job_checks(cancel_watch: CancelWatch) -> Iterator[None]:
    """Check a streamed job's kwargs before upstream's ``interface.run`` acts on them; share the cancel flag.

    Upstream ``Worker.run`` calls ``ansible_runner.interface.run(**kwargs)`` by module
    attribute, after reading the stream and before ``dump_artifacts`` writes ``env/``;
    the wrapper refuses kwargs and data dirs that would make the job write outside the
    data dir (``job_paths``). ``init_runner`` gets its cancel callback from
    ``interface.signal_handler()``; with the worker's watch installed, that is the
    watch's flag, so one flag covers the whole job (see ``cancel``).
    """
    import ansible_runner.interface as interface

    from ..intake.job_paths import check_job_kwargs

    with _lock:
        original_run, original_signal_handler = interface.run, interface.signal_handler

        def checked_run(**kwargs: Any) -> Any:
            cancel_watch.raise_if_set()  # the stream is read and unpacked: the last moment before the job
            check_job_kwargs(kwargs, streamed=True)
            return original_run(**kwargs)

        interface.run = checked_run
        if cancel_watch.installed:
            interface.signal_handler = cancel_watch.upstream_signal_handler
        try:
            yield
        finally:
            interface.run, interface.signal_handler = original_run, original_signal_handler


SPOOL_PREFIX = ".ftl2-runner-spool-"
_spool_dirs: list[str] = []


def streaming_spool_dir() -> str | None:
    """The running job's spool directory (in its data dir), if there is one."""
    return _spool_dirs[-1] if _spool_dirs else None


@contextlib.contextmanager
def bounded_artifact_spool(private_data_dir: str) -> Iterator[None]:
    """Keep upstream's temporary files in the data dir, where the worker can always remove them.

    Upstream's ``unstream_dir`` decodes the job's zip (``env/ssh_key`` and all) to a
    ``tempfile.NamedTemporaryFile``, and ``stream_dir`` builds the artifacts zip in another;
    ``Ftl2Worker.artifacts_handler`` may abandon the latter after a cancel. In ``$TMPDIR`` either
    outlived a worker killed by SIGKILL, outside the data dir. Their module's ``tempfile`` name
    is rebound to one that creates the files in a private directory inside the data dir
    (removed on the way out, with the data dir by ``--delete``, and at the next job in a
    reused data dir).
    """
    import glob
    import tempfile
    import types

    import ansible_runner.utils.streaming as streaming_utils

    os.makedirs(private_data_dir, mode=0o700, exist_ok=True)
    for stale in glob.glob(os.path.join(glob.escape(private_data_dir), SPOOL_PREFIX + "*")):
        shutil.rmtree(stale, ignore_errors=True)  # left by a worker that was killed
    spool_dir = tempfile.mkdtemp(prefix=SPOOL_PREFIX, dir=private_data_dir)
    shim = types.SimpleNamespace(
        NamedTemporaryFile=lambda *args, **kwargs: tempfile.NamedTemporaryFile(*args, **{"dir": spool_dir, **kwargs}),
        TemporaryFile=tempfile.TemporaryFile,
        mkdtemp=tempfile.mkdtemp,
    )
    with _lock:
        original = streaming_utils.tempfile
        streaming_utils.tempfile = shim
        _spool_dirs.append(spool_dir)
        try:
            yield
        finally:
            _spool_dirs.remove(spool_dir)
            streaming_utils.tempfile = original
            shutil.rmtree(spool_dir, ignore_errors=True)


@contextlib.contextmanager
def streamed_worker_job(cancel_watch: CancelWatch, private_data_dir: str) -> Iterator[None]:
    """Every rebinding a streamed job needs, for the duration of ``Worker.run`` (see docs/design.md)."""
    with ftl2_jobs(), validated_unzip(), streamed_job_checks(cancel_watch), bounded_artifact_spool(private_data_dir):
        yield
