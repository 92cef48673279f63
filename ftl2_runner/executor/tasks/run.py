"""One task while it runs: the recorder's task, the options it was called with, and its per-host results.

``current_task`` is the running task of the current context: FTL2's events land on it.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...script import Result, TaskFailed
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
    records: dict[str, Any] = field(default_factory=dict)  # host -> FTL2's record of the call (an ExecuteResult)
    plain_warnings: set[str] = field(default_factory=set)  # warnings ansible-core shows without an origin (lookups')

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


def task_failed(task_name: str, hosts: list[str], message: str, record: Any = None, unreachable: bool = False) -> TaskFailed:
    """The ``TaskFailed`` a failed task raises into the script: also FTL2's ``AutomationError``.

    An FTL2 program catches ``AutomationError`` where FTL2 would raise it (a failed call with
    ``fail_fast=True``) and reads ``error.result`` (FTL2's record: ``.module``, ``.host``,
    ``.error``), or ``FTL2ConnectionError`` when no host could be reached (a host's ``ping``); a
    ported playbook catches ``TaskFailed``. One exception serves them all.
    """
    return _failed_task_type(unreachable)(task_name, hosts, message, record)


@functools.cache
def _failed_task_type(unreachable: bool) -> Any:
    try:
        from ftl2.automation import AutomationError
        from ftl2.exceptions import FTL2ConnectionError
    except ImportError:  # FTL2 not importable: a plain TaskFailed (never in a job, which runs FTL2)
        return lambda task_name, hosts, message, record: TaskFailed(task_name, hosts, message)

    bases: tuple[type[BaseException], ...] = (
        (TaskFailed, AutomationError, FTL2ConnectionError) if unreachable else (TaskFailed, AutomationError)
    )

    def __init__(self: Any, task_name: str, hosts: list[str], message: str, record: Any = None) -> None:
        TaskFailed.__init__(self, task_name, hosts, message)  # through AutomationError's __init__ (MRO)
        self.message = message
        self.result = record

    namespace = {
        "__doc__": "A task failed on every host it ran on: ftl2-runner's TaskFailed and FTL2's AutomationError.",
        "__init__": __init__,
        "__str__": Exception.__str__,  # TaskFailed's text, not AutomationError's "(module: ..., host: ...)"
        "__module__": TaskFailed.__module__,
        "__qualname__": "TaskFailed",
    }
    return type("TaskFailed", bases, namespace)
