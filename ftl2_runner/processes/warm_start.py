"""Which ``ftl2-runner`` command lines get a warm executor: decided from argv alone, before any import.

Both the console script (before it imports the CLI, see ``console.py``) and ``cli.worker_main``
(for ``main(["worker", ...])`` called from Python) ask; ``warm_executor`` itself is not imported
to answer, since the command lines that run no job should not pay for its imports.
"""

from __future__ import annotations

# Worker command lines that never run a job: no executor is started for them.
NO_JOB_ARGUMENTS = frozenset({"cleanup", "--worker-info", "-h", "--help", "--version"})


def may_run_a_job(argv: list[str]) -> bool:
    """Whether ``ftl2-runner <argv>`` is a worker that may be handed a job."""
    return argv[:1] == ["worker"] and not NO_JOB_ARGUMENTS.intersection(argv[1:])
