"""What one script call asks for: its target, module, parameters and ``runner.task(...)`` options.

The options are read when a call is *made*, not when it is awaited, so
``with runner.task("x"): coro = ftl.y()`` names the task even if the coroutine is awaited later;
context variables carry them (and the running loop and block; the running task is ``run.py``'s)
because concurrent calls (``asyncio.gather``) each need their own.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..display.events import Task
    from ..vars.variables import HostVariables, HostVars

# A condition: a bool, an Ansible (Jinja) expression string, or a Python callable.
Condition = bool | str | Callable[..., Any] | None


@dataclass
class TaskOptions:
    """What ``runner.task(...)`` set for the calls inside its block (Ansible's task keywords)."""

    name: str | None = None
    ignore_errors: bool = False
    ignore_unreachable: bool = False  # an unreachable host stays in the play (counted ok and ignored)
    when: Condition = None
    tags: tuple[str, ...] = ()
    no_log: bool = False
    register: str | None = None
    changed_when: Condition = None
    failed_when: Condition = None
    notify: tuple[str, ...] = ()  # handlers (names or listen topics) a changed result notifies
    until: Condition = None  # retry a host's call until this holds for its result
    retries: int | None = None  # retries after the first attempt (3 when only `until` is given)
    delay: float = 5  # seconds between attempts (ansible-core's default)
    run_once: bool = False  # run on the first host only; its result is every host's
    delegate_to: str | None = None  # run each host's call on this host (a template), reported as the host's
    vars: Mapping[str, Any] | None = None  # the task's `vars:`, templated when read, as every source
    environment: Mapping[str, Any] | None = None  # the task's `environment:` (values templated per host)
    check_mode: bool | None = None  # the task's `check_mode:` (None: the job's --check)
    diff: bool | None = None  # the task's `diff:` (None: the job's --diff)
    throttle: int = 0  # the task's `throttle:`: at most this many hosts at once (0: no limit)

    def attempts(self) -> int:
        """How many times a host's call may run: ansible-core counts the first run and the retries."""
        if self.retries is not None:
            return 1 + max(0, self.retries)
        return 4 if self.until is not None else 1


@dataclass
class CallSpec:
    """What a script call targets and runs, resolved from its attribute chain."""

    target: str
    module: str
    options: TaskOptions | None = None
    origin: tuple[str, int, int] | None = None  # the script line that made the call
    single_host: bool = False  # the target names one host: the call returns one result, not a mapping
    # FTL2 returns this call's failures instead of raising them (run_on, ftl.<inventory host or group>.x):
    # outside a play, block or handler, a task that fails on all its hosts does not raise TaskFailed either
    returns_failures: bool = False


@dataclass
class LoopState:
    """One ``runner.loop(items)``: every call inside is an item of one task."""

    items: list[Any]
    loop_var: str = "item"
    item: Any = None
    index: int = 0
    index_var: str | None = None  # loop_control.index_var: the item's index, under this name
    label: Any = None  # loop_control.label: a template (or callable of the item) shown instead of the item
    task: Task | None = None
    loop_with: str | None = None  # `with_<lookup>`'s name (the events' `event_loop`); None for `loop:`
    item_results: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)


def loop_variables(loop: LoopState, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The variables a loop adds for its current item (``item``, and the index under ``index_var``).

    With a host's ``variables``, an item that holds a template is rendered with them, as ``loop:``
    renders its list for each host (the Python value the loop yields stays as written).
    """
    names: dict[str, Any] = {loop.loop_var: loop_item(loop, variables)}
    if loop.index_var:
        names[loop.index_var] = loop.index
    return names


def loop_item(loop: LoopState, variables: Mapping[str, Any] | None) -> Any:
    """The current item for one host: rendered with the host's ``variables`` when it holds a template."""
    from ..vars.variables import holds_template, render_value

    if variables is None or not holds_template(loop.item):
        return loop.item
    return render_value(loop.item, variables)


task_options: contextvars.ContextVar[TaskOptions | None] = contextvars.ContextVar("ftl2_runner_task_options", default=None)
loop_state: contextvars.ContextVar[LoopState | None] = contextvars.ContextVar("ftl2_runner_loop", default=None)
# The `environment:` of the blocks around a call (outermost first): a task's own wins over them, as in Ansible.
block_environment: contextvars.ContextVar[tuple[Mapping[str, Any], ...]] = contextvars.ContextVar(
    "ftl2_runner_block_environment", default=()
)


# Inside one host's body of a `strategy: free` play (play.each_host): how often that host reached each call,
# so the n-th time it reaches a call is the same task as another host's n-th time (one task uuid).
host_body_calls: contextvars.ContextVar[dict[Any, int] | None] = contextvars.ContextVar("ftl2_runner_host_body", default=None)


def task_key(origin: Any, name: str | None, action: str) -> tuple[Any, ...]:
    """Which task a call is, for a task uuid kept across serial batches and across a free play's hosts:
    its line, name and action, and inside a host's body how often the host reached it before."""
    key: tuple[Any, ...] = (origin, name, action)
    seen = host_body_calls.get()
    if seen is not None:
        count = seen.get(key, 0)
        seen[key] = count + 1
        key = (*key, count)
    return key


def options_of(spec: CallSpec) -> TaskOptions:
    return spec.options or task_options.get() or TaskOptions()


def task_variables(plane: HostVariables, host: str, options: TaskOptions | None) -> HostVars:
    """What a task's templates and conditions read on ``host``: the host's variables with the task's
    ``vars``, and the running loop's item (``item``, or its ``loop_var``, and ``index_var``) above all."""
    variables = plane.of(host, options.vars if options is not None else None)
    loop = loop_state.get()
    if loop is not None:
        variables.update(loop_variables(loop, variables))
    return variables
