"""ftl2-runner: run FTL2 automation scripts where AWX expects ansible-runner.

Public API (imports are lazy so ``worker --worker-info`` stays fast):

* ``run(**kwargs)`` – ansible-runner's ``run()`` for FTL2 jobs; returns upstream's ``Runner``.
* ``run_worker(private_data_dir=..., keepalive_seconds=0, script_path=...)`` – the worker.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version as _dist_version
from typing import Any

try:
    __version__ = _dist_version("ftl2-runner")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = ["__version__", "run", "run_worker"]


def run(**kwargs: Any) -> Any:
    from .interface import run as _run

    return _run(**kwargs)


def run_worker(**kwargs: Any) -> Any:
    from .worker import run_worker as _run_worker

    return _run_worker(**kwargs)
