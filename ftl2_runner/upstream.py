"""The one seam where ftl2-runner plugs into upstream ansible-runner.

Upstream's ``Worker.run`` reads the transmit stream and then calls
``ansible_runner.interface.run(**kwargs)``, whose ``init_runner`` builds a
``RunnerConfig`` by module-level name and hands it to ``Runner``. Everything on
that path is what we want to reuse byte for byte: stdin parsing, keepalives,
``dump_artifacts``, SIGINT/SIGTERM as cancel, Runner's pexpect loop, the event
filter, status lines and the artifacts zip. The only thing we need different is
the config class, so for the duration of a job we bind ``interface.RunnerConfig``
to ``Ftl2RunnerConfig`` instead of copying upstream's read loop or ``init_runner``.

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
    """Make upstream's ``interface.run`` build ``Ftl2RunnerConfig`` objects."""
    import ansible_runner.interface as interface

    from .config import Ftl2RunnerConfig

    with _lock:
        original = interface.RunnerConfig
        interface.RunnerConfig = Ftl2RunnerConfig
        try:
            yield
        finally:
            interface.RunnerConfig = original
