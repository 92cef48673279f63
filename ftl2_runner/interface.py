"""Python API: ``ftl2_runner.run(...)`` is ``ansible_runner.run(...)`` for FTL2 scripts.

It returns upstream's ``Runner`` object (``status``, ``rc``, ``events``, ``stats``,
``stdout``), so code written against ansible-runner's API works unchanged. The
``playbook`` argument names the script (relative to ``project/``); ``script_path``
is the fallback when no playbook is given.

The job runs holding ``upstream``'s process-wide lock (it rebinds ansible-runner's
module-level names): concurrent calls from threads of one process run one after the other.
"""

from __future__ import annotations

import os
from typing import Any

from .processes.upstream import ftl2_jobs


def run(**kwargs: Any) -> Any:
    import ansible_runner.interface

    from .intake.job_paths import check_job_kwargs

    check_job_kwargs(kwargs, streamed=False)
    with ftl2_jobs():
        runner = ansible_runner.interface.run(**kwargs)
    from .executor.display.partial_files import remove_slots

    artifact_dir = getattr(getattr(runner, "config", None), "artifact_dir", None)
    if artifact_dir:
        remove_slots(os.path.join(artifact_dir, "job_events"))  # left by an executor that was killed
    return runner
