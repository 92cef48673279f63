"""ftl2-runner: run FTL2 automation scripts where AWX expects ansible-runner.

Public API (imports are lazy so ``worker --worker-info`` stays fast):

* ``run(**kwargs)`` – ansible-runner's ``run()`` for FTL2 jobs; returns upstream's ``Runner``.
* ``run_worker(private_data_dir=..., keepalive_seconds=0, script_path=...)`` – the worker.
* ``TaskFailed``, ``Result``, ``HostResults``, ``Runner`` – the script API (``ftl2_runner.script``).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: every ftl2-runner process imports this package first
if TYPE_CHECKING:
    from typing import Any

__all__ = ["HostResults", "Result", "Runner", "TaskFailed", "UnsafeText", "__version__", "run", "run_worker"]

from . import old_paths  # noqa: E402  (modules moved into rooms keep their old import paths for a release)

old_paths.install()


def __getattr__(name: str) -> Any:
    # Looked up lazily: importlib.metadata costs tens of milliseconds, and every job starts
    # several processes that import this package (worker, executor) without needing it.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("ftl2-runner")
        except PackageNotFoundError:  # a source tree without installation
            return "0+unknown"
    if name in ("HostResults", "Result", "Runner", "TaskFailed", "UnsafeText"):  # the script API, loaded only when asked for
        from . import script

        return getattr(script, name)
    raise AttributeError(name)


def run(**kwargs: Any) -> Any:
    from .interface import run as _run

    return _run(**kwargs)


def run_worker(**kwargs: Any) -> Any:
    from .worker import run_worker as _run_worker

    return _run_worker(**kwargs)
