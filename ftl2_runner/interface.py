"""Python API: ``ftl2_runner.run(...)`` is ``ansible_runner.run(...)`` for FTL2 scripts.

It returns upstream's ``Runner`` object (``status``, ``rc``, ``events``, ``stats``,
``stdout``), so code written against ansible-runner's API works unchanged. The
``playbook`` argument names the script (relative to ``project/``); ``script_path``
is the fallback when no playbook is given. ``streamer='worker'`` runs ``Ftl2Worker``;
``'transmit'`` and ``'process'`` are upstream's own.

Our classes are passed to upstream's code for this call alone (``processes/upstream.py``):
calls from several threads of one process run side by side, and ``ansible_runner.run()``
called meanwhile is stock ansible-runner.
"""

from __future__ import annotations

import os
from typing import Any

from .processes.upstream import run_job


def run(**kwargs: Any) -> Any:
    from .intake.job_paths import check_job_kwargs
    from .worker import Ftl2Worker

    check_job_kwargs(kwargs, streamed=False)
    runner = run_job(kwargs, worker_class=Ftl2Worker)
    from .executor.display.partial_files import remove_slots

    artifact_dir = getattr(getattr(runner, "config", None), "artifact_dir", None)
    if artifact_dir:
        remove_slots(os.path.join(artifact_dir, "job_events"))  # left by an executor that was killed
    return runner
