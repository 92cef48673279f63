"""One task while it runs: the recorder's task, the options it was called with, and its per-host results.

``current_task`` is the running task of the current context: FTL2's events land on it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...script import Result
from .spec import CallSpec, TaskOptions

if TYPE_CHECKING:
    from ..actions.failures import Failure
    from ..display.events import Task


@dataclass
class TaskRun:
    task: Task
    spec: CallSpec
    options: TaskOptions
    results: dict[str, Result] = field(default_factory=dict)  # host -> what the script gets (register)
    host_params: dict[str, dict[str, Any]] = field(default_factory=dict)  # arguments that differ per host
    rescuable: bool = False  # a failure here is rescued by the enclosing block (counted as `rescued`)
    exception: BaseException | None = None  # what FTL2 raised, if anything
    shared_with: list[str] = field(default_factory=list)  # run_once: the other hosts that get its result
    report_as: dict[str, str] = field(default_factory=dict)  # delegate_to: the delegate's name -> the host it runs for
    delegated_vars: dict[str, dict[str, Any]] = field(default_factory=dict)  # host -> `_ansible_delegated_vars`
    attempts: dict[str, int] = field(default_factory=dict)  # host -> attempts so far (until/retries)
    retry_hosts: list[str] = field(default_factory=list)  # hosts whose last attempt asks for another
    exhausted: set[str] = field(default_factory=set)  # hosts that failed because `until` never held
    # host -> FTL2's failure in Ansible's words, where its error block says more than the result's msg
    failures: dict[str, Failure] = field(default_factory=dict)
    environment: tuple[Any, ...] = ()  # `environment:` of the play and the blocks around the task (outermost first)

    @property
    def name(self) -> str:
        return self.task.name

    def bad_hosts(self) -> list[str]:
        """Hosts whose result makes them leave the play (failed or unreachable, not ignored)."""
        bad = {"failed", "unreachable"}
        if self.options.ignore_errors:
            bad.discard("failed")
        if self.options.ignore_unreachable:
            bad.discard("unreachable")
        return [h for h, o in self.task.outcomes.items() if o in bad]


current_task: contextvars.ContextVar[TaskRun | None] = contextvars.ContextVar("ftl2_runner_task", default=None)


def run_with_task(task: TaskRun, call: Callable[[], Awaitable[Any]]) -> Awaitable[Any]:
    """Run ``call`` with ``task`` as the current task for the FTL2 events it triggers."""

    async def _runner() -> Any:
        token = current_task.set(task)
        try:
            return await call()
        finally:
            current_task.reset(token)

    return _runner()
