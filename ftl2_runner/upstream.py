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
import threading
from collections.abc import Iterator

_lock = threading.RLock()


@contextlib.contextmanager
def ftl2_jobs() -> Iterator[None]:
    """Make upstream's ``interface.run`` build ``Ftl2RunnerConfig`` objects, run by a bounded spawn."""
    import ansible_runner.interface as interface
    import ansible_runner.runner as runner

    from .runner_spawn import pexpect_for_runner
    from .config import Ftl2RunnerConfig

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

    from .safe_unzip import make_safe_unstream_dir

    with _lock:
        original = streaming.unstream_dir
        streaming.unstream_dir = make_safe_unstream_dir(original)
        try:
            yield
        finally:
            streaming.unstream_dir = original
