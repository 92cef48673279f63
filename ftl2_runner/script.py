"""The names an FTL2 script may import from ftl2-runner: its one public, stable home.

Everything under ``ftl2_runner.executor`` is internal and may move between releases; scripts
import from here (or from ``ftl2_runner``, which re-exports these names lazily). This module
imports nothing heavy, so importing it never loads FTL2.
"""

from __future__ import annotations


class TaskFailed(Exception):
    """A task failed on every host it ran on; raised into the script like a failed play.

    The failure has already been reported as events, so the executor ends the job with
    the recap and rc 2 (or 4) instead of a traceback. Scripts may catch it to carry on.
    """

    def __init__(self, task_name: str, hosts: list[str], message: str):
        super().__init__(f"task {task_name!r} failed on {', '.join(hosts) or 'no host'}: {message}")
        self.task_name = task_name
        self.hosts = hosts
        self.message = message


__all__ = ["TaskFailed"]
