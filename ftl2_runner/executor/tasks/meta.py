"""``meta:`` tasks, as ansible-core's linear strategy runs them.

A meta task is not a module: the strategy acts on the play itself. ``noop``, ``reset_connection``,
``end_host`` and ``flush_handlers`` run once per host of the play (each with its own ``TASK`` banner,
the second and later ones with awx_display's ``_2``... uuids), the others once, for the first host;
``when`` is evaluated for the host it runs for, and a false one is reported as that host's skip (no
``runner_on_start`` precedes it). A meta task that ran prints no result.

* ``end_host``: the host runs nothing more in this play (it is not failed; later plays have it).
* ``end_batch``: this ``serial`` batch ends for every host (in a play without ``serial``, the play).
* ``end_play``: the play ends for every host, later batches included.
* ``clear_host_errors``: the play's failed and unreachable hosts are in the job again from the next
  play on (in this play their run is over, as in ansible-core's iterator).
* ``reset_connection``: the host's FTL2 connection is closed, the next task opens a new one.
* ``noop``: nothing.

The script goes on after ``end_*``; its calls simply have no host to run on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..display.diagnostics import UsageError, script_call_site
from ..display.events import utc_now_iso
from ..vars.conditions import ConditionError, condition_text, holds
from .spec import CallSpec, options_of, task_key

if TYPE_CHECKING:
    from .executor import TaskExecutor

# ansible-core runs these once per host of the play; every other meta action once, for the first host.
PER_HOST = frozenset(("noop", "reset_connection", "end_host", "flush_handlers"))
ONCE = frozenset(("end_play", "end_batch", "clear_host_errors"))


async def run_meta(executor: TaskExecutor, spec: CallSpec, action: str) -> None:
    """Run ``meta: <action>`` on the open play's hosts (``spec`` carries the ``runner.task`` options)."""
    if action not in PER_HOST | ONCE:
        known = ", ".join(sorted(PER_HOST | ONCE))
        raise UsageError(f"runner.meta({action!r}): not a meta action ftl2-runner knows ({known})")
    options = options_of(spec)
    if not executor.selected(spec, options):
        return
    if action == "flush_handlers":
        await executor.flush_handlers(meta=spec)
        return
    executor.plays.ensure_play(spec.target)
    hosts = executor.hosts.select(executor.plays.play_hosts or executor.plays.hosts_of(spec.target), executor.fail_fast)
    if action in ONCE:
        hosts = hosts[:1]
    origin = spec.origin or script_call_site()
    name = options.name or "meta"
    key = task_key(origin, options.name, "meta")
    recorder = executor.recorder
    task_uuid = executor.task_ids.setdefault(key, recorder.ids.next()) if executor.task_ids is not None else recorder.ids.next()
    for host in hosts:
        task = recorder.task_start(
            name=name,
            action="meta",
            resolved_action="ansible.builtin.meta",
            path="" if executor.adhoc_origin else f"{origin[0]}:{origin[1]}",
            task_uuid=task_uuid,
        )
        task.origin = origin
        try:
            if options.when is None or options.when is True or holds(options.when, executor.view(options, host)):
                await _act(executor, action, host)
            else:
                task.started_hosts[host] = utc_now_iso()  # a skipped meta task has no runner_on_start
                res = {"changed": False, "false_condition": condition_text(options.when), "skip_reason": "Conditional result was False"}
                recorder.host_result(task, host, "skipped", res, counted=False)
        except ConditionError as exc:
            recorder.host_result(task, host, "failed", {"changed": False, "msg": f"Task failed: the conditional check failed: {exc}"})
        finally:
            recorder.task_end()


async def _act(executor: TaskExecutor, action: str, host: str) -> None:
    states = executor.hosts
    if action == "end_host":
        states.ended.add(host)
    elif action == "end_batch":
        states.batch_over = True
    elif action == "end_play":
        states.play_over = True
    elif action == "clear_host_errors":
        states.cleared |= set(executor.plays.play_hosts) & states.out_of_play
        executor.recorder.clear_host_errors(executor.plays.play_hosts)
    elif action == "reset_connection" and executor.plays.context is not None and not executor.is_local(host):
        from ..ftl2.connections import reset_connection

        await reset_connection(executor.plays.context, host)
