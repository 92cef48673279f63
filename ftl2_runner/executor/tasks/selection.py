"""Which tasks run and on which hosts: pure functions of the job's settings and the play's state.

``--tags``/``--skip-tags``/``--start-at-task`` decide whether a task appears at all (an
unselected task prints nothing, as in Ansible); the linear strategy decides which hosts are
still in the play (a host that failed without ``ignore_errors`` runs nothing more, unless a
block rescues it).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable


def selected_by_tags(task_tags: Iterable[str], wanted: Collection[str], skipped: Collection[str]) -> bool:
    """Ansible's tag rules: ``all``, ``always``, ``never``, ``tagged`` and ``untagged`` included."""
    tags = set(task_tags)
    wanted_set, skipped_set = set(wanted), set(skipped)
    if wanted_set and "all" not in wanted_set:
        if not (tags & wanted_set or "always" in tags or ("tagged" in wanted_set and tags) or ("untagged" in wanted_set and not tags)):
            return False
    elif "never" in tags and not (tags & wanted_set):
        return False
    if skipped_set and (tags & skipped_set or ("tagged" in skipped_set and tags) or ("untagged" in skipped_set and not tags)):
        return False
    return True


class StartAtTask:
    """``--start-at-task NAME``: nothing runs until the first task of that name."""

    def __init__(self, name: str | None):
        self._name = name
        self._reached = not name

    def allows(self, task_name: str) -> bool:
        if not self._reached:
            if task_name != self._name:
                return False
            self._reached = True
        return True
