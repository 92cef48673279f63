"""Runs one task: which hosts, which condition, which FTL2 call, and whether the play goes on.

In call order, as Ansible's linear strategy does it: select the task (tags, ``--start-at-task``),
pick its hosts (the target's hosts still in the play and in the current block section), print
its banner, start every host (all ``runner_on_start`` events first), evaluate ``when`` per
host, make the FTL2 call on the hosts that run it (FTL2's events land on the task through a
context variable), report the hosts FTL2 said nothing about, then decide who leaves the play
and whether the script gets ``TaskFailed``. What each host's result looks like is
:mod:`.reporting`'s job; which call runs is the router's (:mod:`..actions.router`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import time
from collections.abc import Mapping
from typing import Any

from ...script import HostResults, Result, TaskFailed
from ..actions import local_actions, results, router, task_environment
from ..actions.facts import FactCache, fact_cache_dir
from ..display.diagnostics import UsageError, script_call_site
from ..display.events import PlaybookRecorder, Task
from ..ftl2 import bookkeeping, quirks
from ..ftl2.bookkeeping import Bookkeeping
from ..ftl2.quirks import native_for_pattern
from ..vars.conditions import AttributeView, ConditionError, condition_text, holds, render
from ..vars.delegation import delegated_vars
from ..vars.lookup_support import current_action
from ..vars.magic import OMIT
from ..vars.variables import HostVariables, HostVars, holds_template, render_value
from .blocks import PlayHosts, current_block
from .handlers import running_handler
from .reporting import HostReporter
from .run import TaskRun, current_task, run_with_task, task_failed
from .selection import StartAtTask, selected_by_tags
from .spec import (
    CallSpec,
    LoopState,
    TaskOptions,
    block_environment,
    loop_state,
    options_of,
    task_key,
    task_options,
    task_variables,
)

NOT_SELECTED = {"changed": False, "skipped": True, "skip_reason": "not selected by tags or --start-at-task"}


class TaskExecutor:
    def __init__(self, recorder: PlaybookRecorder, settings: Any, plays: Any, variables: HostVariables):
        self.recorder = recorder
        self.settings = settings
        self.plays = plays  # PlayTracker: opens implicit plays, resolves host patterns
        self.variables = variables
        self.reporter = HostReporter(
            recorder, variables, FactCache(fact_cache_dir()), self.is_local, verbosity=settings.verbosity, diff=settings.diff
        )
        self.hosts = PlayHosts()
        self._start_at = StartAtTask(settings.start_at_task)
        self.fail_fast = True
        self.book: Bookkeeping | None = None  # FTL2's record of the open runner.automation() context
        self.task_ids: dict[Any, str] | None = None  # in a serial play: each task's uuid, reused by every batch

    def is_local(self, host: str) -> bool:
        from ..ftl2.locality import is_local

        return is_local(host, self.plays.context)

    @property
    def adhoc_origin(self) -> tuple[str, str] | None:
        return self.reporter.adhoc_origin

    @adhoc_origin.setter
    def adhoc_origin(self, value: tuple[str, str] | None) -> None:
        self.reporter.adhoc_origin = value

    # --- the task's hosts ------------------------------------------------------------------

    def selected(self, spec: CallSpec, options: TaskOptions) -> bool:
        return self._selected(spec, options)

    def view(self, options: TaskOptions | None, host: str) -> HostVars:
        return self._view(options, host)

    def _selected(self, spec: CallSpec, options: TaskOptions) -> bool:
        """``--tags``, ``--skip-tags`` and ``--start-at-task``: unselected tasks do not appear at all."""
        if not self._start_at.allows(options.name or spec.module):
            return False
        return selected_by_tags(options.tags, self.settings.tags, self.settings.skip_tags)

    def _hosts_of(self, spec: CallSpec) -> tuple[list[str], list[str]]:
        """``(target_hosts, hosts the task runs on)``."""
        target_hosts = self.plays.hosts_of(spec.target)
        return target_hosts, self.hosts.select(target_hosts, self.fail_fast)

    @staticmethod
    def _run_once(run: TaskRun, hosts: list[str]) -> list[str]:
        """``run_once``: the first host runs the task; the others get its result (kept in ``shared_with``)."""
        if not run.options.run_once or len(hosts) < 2:
            return hosts
        run.shared_with = hosts[1:]
        return hosts[:1]

    def _start(self, spec: CallSpec, options: TaskOptions, params: Mapping[str, Any]) -> TaskRun:
        current_action.set(spec.module)  # what `first_found` searches by (templates/, vars/, files/)
        loop = loop_state.get()
        if loop is not None and loop.task is not None:
            # A loop's items share one task, but each item is its own call.
            _same_loop_task(loop.task, spec, options)
            loop.task.run.attempts = {}  # until/retries count per item
            loop.task.params = dict(params)
            loop.task.call_started = time.time()
            run: TaskRun = loop.task.run
            return run
        self.plays.ensure_play(spec.target)
        origin = spec.origin or script_call_site()
        action = spec.module
        key = task_key(origin, options.name, action)
        handler = running_handler.get()
        self.plays.task_queued()
        task = self.recorder.task_start(
            name=options.name or (handler.name if handler is not None else action),
            action=action,
            resolved_action=action if "." in action else f"ansible.builtin.{action}",
            path="" if self.adhoc_origin else f"{origin[0]}:{origin[1]}",
            ignore_errors=options.ignore_errors,
            task_uuid=self.task_ids.setdefault(key, self.recorder.ids.next()) if self.task_ids is not None else None,
            args=params,
            no_log=options.no_log,
            handler=handler is not None,
        )
        task.origin = origin
        task.params = dict(params)
        task.call_started = time.time()
        task.ignore_unreachable = options.ignore_unreachable
        run = TaskRun(task=task, spec=spec, options=options, rescuable=self.hosts.rescuable())
        run.environment = (getattr(self.plays.options, "environment", None), *block_environment.get())
        task.run = run
        if loop is not None:
            loop.task = task
            task.event_loop = loop.loop_with
        return run

    def _split_by_when(self, run: TaskRun, hosts: list[str], when: Any) -> list[str]:
        """Start every host, skip those whose ``when`` is false; returns the hosts that run the call.

        ``when`` is the call's own: in a loop each item's call may bring its own (``when=item != 2``).
        """
        for host in hosts:
            self.recorder.host_start(run.task, host)
        if when is None or when is True:
            return hosts
        running = []
        text = condition_text(when)
        loop = loop_state.get()
        for host in hosts:
            variables = task_variables(self.variables, host, run.options)  # a loop's `when`: per item, with the item
            try:
                ok = holds(when, variables)
            except ConditionError as exc:
                self.reporter.report(
                    run, host, results.FAILED, {"changed": False, "msg": f"Task failed: the conditional check failed: {exc}"}
                )
                continue
            if ok:
                running.append(host)
            elif loop is not None:  # an item's skip: ansible-core puts the reason first there
                self.reporter.skipped(run, host, {"changed": False, "skip_reason": "Conditional result was False", "false_condition": text})
            else:
                self.reporter.skipped(run, host, {"changed": False, "false_condition": text, "skip_reason": "Conditional result was False"})
        return running

    # --- module calls ------------------------------------------------------------------------

    async def run_task(self, spec: CallSpec, params: dict[str, Any], native: Any) -> Any:
        """A module call through FTL2; ``native`` is FTL2's own way to make it on the whole target."""
        options = options_of(spec)
        if not self._selected(spec, options):
            return self._not_selected(spec)
        target_hosts, hosts = self._hosts_of(spec)
        if not hosts:
            return self._returned(spec, {})  # every host of the target already failed: Ansible runs nothing
        run = self._start(spec, options, params)
        running = self._split_by_when(run, self._run_once(run, hosts), options.when)
        if loop_state.get() is not None:
            run.task.finished_hosts = set()  # each item reports every host once
        if options.delegate_to is not None:
            await self._delegated(run, spec, params, running)
            return self._finish(run)
        calls = self._calls(run, spec, params, native, target_hosts, running)
        if calls:
            await self._call(run, calls)
        while run.retry_hosts:  # until/retries: the hosts whose attempt asked for another, after the delay
            again, run.retry_hosts = run.retry_hosts, []
            await asyncio.sleep(options.delay)
            run.task.finished_hosts.difference_update(again)
            calls = self._calls(run, spec, params, None, target_hosts, again)
            if calls:
                await self._call(run, calls)
        return self._finish(run)

    def _calls(
        self, run: TaskRun, spec: CallSpec, params: dict[str, Any], native: Any, target_hosts: list[str], running: list[str]
    ) -> list[tuple[list[str], Any]]:
        """``(hosts, deferred call)`` pairs that run the task: one for all hosts (or for its local hosts and its
        remote hosts apart, where the router says the module runs differently on each: ``router.parts``), or one
        per host when an argument depends on the host (a callable, or a ``{{ }}`` template, as Ansible templates
        task args).

        Which call runs each pair is the router's one decision (``actions/router.py``); hosts it
        skips (``--check`` on a module that cannot honour it) are reported here.
        """
        context = self.plays.context
        if not running:
            return []
        if context is not None and (run.options.environment or any(run.environment)) and router.uses_environment(spec.module):
            return self._with_environment(run, spec, params, target_hosts, running)
        job = self._job(run.options)
        if run.options.async_val > 0:
            job = dataclasses.replace(job, async_spec=self._async_spec(run))
        groups: list[tuple[list[str], dict[str, Any]]] = [(part, params) for part in router.parts(job, spec.module, running)]
        limit = self.host_limit(run.options)
        # `throttle:`/`--forks` fewer than the hosts: each host is its own call, at most `limit` running at once
        per_host = any(_depends_on_host(v) for v in params.values()) or 0 < limit < len(running)
        if per_host:
            groups = []
            for host in running:
                try:
                    run.host_params[host] = self._params_for(host, params, options=run.options)
                except ArgumentError as exc:
                    self._argument_failed(run, host, exc)
                    continue
                groups.append(([host], run.host_params[host]))
        calls: list[tuple[list[str], Any]] = []
        for hosts, group_params in groups:
            chosen = router.route(job, spec.module, spec.target, hosts, target_hosts, group_params, native, alone=per_host)
            if chosen.by == router.SKIP:
                router.record_skipped(job, spec.module, hosts, group_params, chosen.skip)
                for host in hosts:
                    self.reporter.skipped(run, host, dict(chosen.skip))
                continue
            calls.append((hosts, chosen.call))
        return _throttled(calls, limit)

    def _with_environment(
        self, run: TaskRun, spec: CallSpec, params: dict[str, Any], target_hosts: list[str], running: list[str]
    ) -> list[tuple[list[str], Any]]:
        """A task with an ``environment:``: each host is its own call, its arguments and environment rendered
        with its variables; the router runs its module with that environment."""
        calls: list[tuple[list[str], Any]] = []
        job = self._job(run.options)
        for host in running:
            try:
                host_params = self._params_for(host, params, options=run.options)
                view = self._view(run.options, host)
                environment = task_environment.merged((*run.environment, run.options.environment), functools.partial(_rendered, view))
            except ArgumentError as exc:
                self._argument_failed(run, host, exc)
                continue
            except (ConditionError, task_environment.EnvironmentNotMapping) as exc:
                self.reporter.report(run, host, results.FAILED, {"changed": False, "msg": f"Task failed: {exc}"})
                continue
            run.host_params[host] = host_params
            chosen = router.route(
                job, spec.module, spec.target, [host], target_hosts, host_params, None, alone=True, environment=environment
            )
            calls.append(([host], chosen.call))
        return _throttled(calls, self.host_limit(run.options))

    def _async_spec(self, run: TaskRun) -> Any:
        """The task's ``async:``/``poll:`` for the router, with the events each check of a host's job sends."""
        import uuid

        from ..actions import shaping
        from ..actions.async_action import AsyncSpec

        poll_tasks: dict[str, str] = {}  # host -> the uuid of ansible-core's async_status task that checks its job

        def on_poll(host: str, res: dict[str, Any]) -> None:
            poll_uuid = poll_tasks.setdefault(host, str(uuid.uuid4()))
            self.recorder.async_poll(run.task, host, poll_uuid, shaping.ansible_key_order(res))

        def on_done(host: str, res: dict[str, Any]) -> None:
            shown = shaping.ansible_key_order(res)
            if res.get("failed"):
                shown = shaping.as_failure(shown)
            self.recorder.async_done(run.task, host, shown, bool(res.get("failed")))

        return AsyncSpec(run.options.async_val, run.options.poll, on_poll, on_done)

    def host_limit(self, options: TaskOptions) -> int:
        """How many hosts the task runs on at once (0: all): its ``throttle:``, within the job's ``--forks``,
        as ansible-core takes the smaller of the two."""
        forks = int(getattr(self.settings, "forks", None) or 0)
        limits = [n for n in (options.throttle, forks) if n > 0]
        return min(limits) if limits else 0

    def _job(self, options: TaskOptions | None) -> router.Job:
        """What the router consults: FTL2's context, the task's settings, what the task reads on each host, FTL2's record."""
        variables = functools.partial(self._view, options)
        settings = self.task_settings(options)
        return router.Job(self.plays.context, settings, self.is_local, variables, self._module_flags(settings), self.book)

    def _module_flags(self, settings: Any) -> dict[str, Any]:
        """The ``_ansible_*`` arguments ansible-core gives every module call of this task."""
        from ..ftl2.ansible_modules import module_args

        return module_args({}, settings.check_mode, settings.diff, settings.verbosity)

    def task_settings(self, options: TaskOptions | None) -> Any:
        """The job's settings as a task sees them: its own ``check_mode:``/``diff:`` over ``--check``/``--diff``."""
        if options is None or (options.check_mode is None and options.diff is None):
            return self.settings
        return dataclasses.replace(
            self.settings,
            check_mode=self.settings.check_mode if options.check_mode is None else options.check_mode,
            diff=self.settings.diff if options.diff is None else options.diff,
        )

    async def _call(self, run: TaskRun, calls: list[tuple[list[str], Any]]) -> None:
        """Make the calls at once (FTL2's events land on the task), then report the hosts FTL2 said nothing about."""

        async def all_calls() -> list[Any]:
            if len(calls) == 1:
                return [await calls[0][1]()]
            return list(await asyncio.gather(*(deferred() for _, deferred in calls), return_exceptions=True))

        context = self.plays.context
        check = run.options.check_mode
        saved = getattr(context, "check_mode", None)
        if check is not None and context is not None:
            context.check_mode = check  # FTL2 gives its local Ansible modules its context's check mode
        try:
            outcomes = await run_with_task(run, all_calls)
        except TaskFailed:
            raise
        except Exception as exc:  # FTL2 refused or crashed: the task fails on its unfinished hosts
            outcomes = [exc]
            calls = [([h for hosts, _ in calls for h in hosts], None)]
        finally:
            if check is not None and context is not None:
                context.check_mode = saved
        for (hosts, _), outcome in zip(calls, outcomes, strict=True):
            pending = self._unfinished(run, hosts)
            if isinstance(outcome, TaskFailed):
                raise outcome
            if isinstance(outcome, Exception):
                run.exception = outcome
                for host in pending:
                    self.reporter.exception(run, host, outcome, quirks.is_connection_error(outcome))
                continue
            for host, out in quirks.outputs_from_return(outcome, pending).items():
                if out.exception is not None:
                    self.reporter.exception(run, host, out.exception, False)
                else:
                    self.reporter.ftl2_result(run, host, out.success, out.output, out.error)

    async def _delegated(self, run: TaskRun, spec: CallSpec, params: dict[str, Any], running: list[str]) -> None:
        """``delegate_to``: each host's call runs on the delegate, with the host's variables, reported as the host's.

        One host at a time: FTL2 reports by the host a module ran on, which is the delegate for all of them.
        """
        for host in running:
            try:
                delegate = self._delegate_of(run, host)
                host_params = self._params_for(host, params, options=run.options)
            except ArgumentError as exc:
                self._argument_failed(run, host, exc)
                continue
            except ConditionError as exc:
                self.reporter.report(run, host, results.FAILED, {"changed": False, "msg": f"Task failed: {exc}"})
                continue
            run.host_params[host] = host_params
            run.report_as = {delegate: host}
            context = self.plays.context
            native = native_for_pattern(context, delegate, spec.module, host_params) if context is not None else None
            try:
                while True:
                    calls = self._calls(run, dataclasses.replace(spec, target=delegate), host_params, native, [delegate], [delegate])
                    if calls:
                        await self._call(run, calls)
                    if host not in run.retry_hosts:
                        break
                    run.retry_hosts.remove(host)  # until/retries: this host's next attempt, after the delay
                    await asyncio.sleep(run.options.delay)
                    run.task.finished_hosts.discard(host)
            finally:
                run.report_as = {}

    def _delegate_of(self, run: TaskRun, host: str) -> str:
        """The delegate for ``host`` (``delegate_to`` rendered with its variables); notes `_ansible_delegated_vars`."""
        delegate_to = run.options.delegate_to
        delegate = str(render(delegate_to, self._view(run.options, host))) if isinstance(delegate_to, str) else str(delegate_to)
        known = delegate in self.plays.inventory.host_vars
        run.delegated_vars[host] = delegated_vars(delegate, self.variables.of(delegate, task=False) if known else None)
        return delegate

    def _view(self, options: TaskOptions | None, host: str) -> HostVars:
        """What the running task reads on ``host`` (its ``vars``, the loop's item, the host's variables)."""
        return task_variables(self.variables, host, options)

    def _params_for(
        self, host: str, params: Mapping[str, Any], templates: bool = True, options: TaskOptions | None = None
    ) -> dict[str, Any]:
        """One host's arguments: callables called with its variables, templates (in strings, also inside lists
        and dicts) rendered with them, and the arguments that rendered to ``omit`` left out, as Ansible does."""
        variables = self._view(options, host)
        view = AttributeView(variables)
        out = {}
        for key, value in params.items():
            try:
                if callable(value):
                    value = value(view)
                elif templates and holds_template(value):
                    value = render_value(value, variables)
            except ConditionError as exc:
                raise ArgumentError(key, str(exc)) from exc
            out[key] = value
        return without_omitted(out)

    def _argument_failed(self, run: TaskRun, host: str, exc: ArgumentError) -> None:
        """An argument's template failed: ansible-core's `Finalization of task args` failure."""
        from ..actions import failures

        action = run.task.action if "." in run.task.action else f"ansible.builtin.{run.task.action}"
        failure = failures.templated_argument(action, exc.option, exc.message)
        self.reporter.report(run, host, results.FAILED, self.reporter.in_ansibles_words(run, host, failure))

    def _shown_params(self, host: str, params: dict[str, Any], options: TaskOptions | None = None) -> dict[str, Any]:
        """``debug``/``fail`` arguments as ansible-core's task holds them after the action ran: ``msg`` rendered
        (the action renders it itself, and reports a template error in its own words)."""
        try:
            return self._params_for(host, params, options=options)
        except ArgumentError:
            return params

    @staticmethod
    def _unfinished(run: TaskRun, hosts: list[str]) -> list[str]:
        return [h for h in hosts if run.report_as.get(h, h) not in run.task.finished_hosts]

    # --- actions ftl2-runner runs itself --------------------------------------------------------

    async def run_local_action(self, spec: CallSpec, params: dict[str, Any]) -> Any:
        """``debug``, ``set_fact``, ``assert``, ``fail``, ``pause``: per host, with the host's variables."""
        options = options_of(spec)
        if not self._selected(spec, options):
            return self._not_selected(spec)
        _target, hosts = self._hosts_of(spec)
        if not hosts:
            return self._returned(spec, {})
        short = local_actions.short_name(spec.module)
        if options.attempts() > 1:
            raise UsageError(f"runner.task(until=/retries=) around {short}: only module calls are retried")
        if short in local_actions.BYPASS_HOST_LOOP:
            hosts = hosts[:1]  # ansible-core runs it once, as the first host, and reports (and registers) only there
        run = self._start(spec, options, params)
        running = self._split_by_when(run, self._run_once(run, hosts), options.when)
        for host in running:
            try:  # set_fact's and include_vars' values are templated like any task argument; debug/assert/fail template their own
                host_params = self._params_for(host, params, templates=short in ("set_fact", "include_vars"), options=options)
            except ArgumentError as exc:
                self._argument_failed(run, host, exc)
                continue
            if short in ("debug", "fail"):
                run.host_params[host] = self._shown_params(host, host_params, options)
            if options.delegate_to is not None:  # an action of the controller: delegation only names the delegate
                try:
                    self._delegate_of(run, host)
                except ConditionError as exc:
                    self.reporter.report(run, host, results.FAILED, {"changed": False, "msg": f"Task failed: {exc}"})
                    continue
            started = time.time()
            if self.book is not None:
                try:
                    self.book.start(spec.module, host, host_params)  # FTL2's policy, and the script's module_start
                except Exception as exc:  # the policy denied it
                    self.reporter.exception(run, host, exc, False)
                    continue
            try:
                outcome, res = await local_actions.run(
                    short,
                    host_params,
                    self._view(options, host),
                    self.recorder.display,
                    self.recorder.warning,
                    self.variables.secrets,
                    self.settings.verbosity,
                )
            except local_actions.ArgumentFailure as exc:
                failure = self.reporter.in_ansibles_words(run, host, exc.failure)
                self._record_local(run, host, results.FAILED, failure, host_params, started)
                self.reporter.report(run, host, results.FAILED, failure)
                continue
            self._record_local(run, host, outcome, res, host_params, started)
            # run_once: ansible-core gives the facts (and the fact cache entry) to every host of the play
            fact_hosts = [host, *run.shared_with] if host == running[0] else [host]
            if short == "set_fact":
                for name, value in res["ansible_facts"].items():
                    for target in fact_hosts:
                        self.variables.set(target, name, value)
            if short == "include_vars" and outcome == results.OK:
                for target in fact_hosts:
                    self.variables.include(target, res["ansible_facts"])
            if short == "set_stats" and outcome == results.OK:
                self.recorder.add_custom_stats(host, res["ansible_stats"])
            self.reporter.report(run, host, outcome, res)
            if short in local_actions.TOUCH_FACT_CACHE:
                for target in fact_hosts:  # ansible-core writes an empty fact cache entry for these
                    self.reporter.fact_cache.touch(target)
        return self._finish(run)

    def _record_local(
        self, run: TaskRun, host: str, outcome: str, res: Mapping[str, Any], params: Mapping[str, Any], started: float
    ) -> None:
        """An action FTL2 refuses (``debug``, ``set_fact``...), in FTL2's record as if FTL2 had run it."""
        if self.book is None:
            return
        failed = outcome == results.FAILED
        error = str(res.get("msg", "")) if failed else ""
        run.records[host] = self.book.record(run.spec.module, host, not failed, res, error, params, started)

    # --- after the task ------------------------------------------------------------------------

    def _finish(self, run: TaskRun) -> Any:
        if loop_state.get() is not None:
            return self._returned(run.spec, run.results, run)  # the loop reports and decides when it ends
        self.recorder.task_end()
        return self._decide(run)

    def finish_loop(self, loop: LoopState) -> None:
        task: Task | None = loop.task
        if task is None:
            return
        run: TaskRun = task.run
        self.reporter.finish_loop(run, loop)
        self.recorder.task_end()
        self._decide(run)

    def _decide(self, run: TaskRun) -> Any:
        """Who leaves the play, what is registered, and whether the script gets ``TaskFailed``."""
        bad = run.bad_hosts()
        if run.shared_with and run.results:
            first = next(iter(run.results.values()))
            for host in run.shared_with:
                run.results.setdefault(host, first)  # run_once: every host registers the first host's result
        self._notify(run)
        returned = self._returned(run.spec, run.results, run)
        if run.options.register:
            for host, result in run.results.items():
                self.variables.set(host, run.options.register, result)
        if bad and run.rescuable:
            for host in bad:
                self.variables.set(host, "ansible_failed_task", {"name": run.name, "action": run.task.action})
                self.variables.set(host, "ansible_failed_result", run.results.get(host, Result()))
        fatal = self.plays.fatal_failure(bad, self.hosts.out_of_play)
        if self.fail_fast and bad:
            self.hosts.fail(bad)
        if fatal == "max_fail_percentage":
            self.recorder.no_hosts_remaining(run.task)
        every_host = self.fail_fast and bad and len(bad) == len(run.task.outcomes) and not self._returns_failures(run.spec)
        if fatal or every_host:
            self.hosts.readmit(bad)  # a script that catches TaskFailed handles these hosts itself
            message = str(run.exception) if run.exception else "module failed"
            unreachable = all(run.task.outcomes.get(h) == results.UNREACHABLE for h in bad)
            error = task_failed(run.name, bad, message, run.records.get(bad[0]), unreachable)
            error.ends_play = bool(fatal)  # any_errors_fatal/max_fail_percentage: the play ends for every host
            raise error from run.exception
        return returned

    def _returns_failures(self, spec: CallSpec) -> bool:
        """A call FTL2 returns the failures of instead of raising (``run_on``, ``ftl.<host or group>.x``),
        made outside Ansible's own structures (a play, a block, a handler), where a play's end is asked for."""
        return spec.returns_failures and not self.plays.explicit and current_block.get() is None and running_handler.get() is None

    def _notify(self, run: TaskRun) -> None:
        """``notify``: each host whose result changed (and did not fail) notifies the task's handlers."""
        handlers = self.plays.handlers
        if handlers is None:
            if run.options.notify:
                raise UsageError(f"runner.task({run.name!r}, notify=...) outside `async with runner.play(...)`: handlers belong to a play")
            return
        handlers.last_task = run.task
        if not run.options.notify:
            return
        for host, outcome in run.task.outcomes.items():
            if outcome == results.OK and run.results.get(host, Result()).get("changed"):
                handlers.notify(host, run.options.notify)

    async def flush_handlers(self, meta: CallSpec | None = None) -> None:
        """Announce the play's notifications and run the notified handlers.

        At the end of a play the notifications are announced in the context of its last task.
        ``meta`` is the script's ``flush_handlers`` call: ansible-core runs that meta task once per
        host of the play, each with its own ``TASK`` banner followed by that host's notifications.
        """
        handlers = self.plays.handlers
        if handlers is None:
            if meta is not None:
                raise UsageError("runner.flush_handlers() outside `async with runner.play(...)`: handlers belong to a play")
            return
        try:
            flush = handlers.take(self.plays.play_hosts)
        except LookupError as exc:
            raise UsageError(
                f"notify={exc.args[0]!r}: the play has no handler of that name or listen topic (runner.handler(name, listen=...))"
            ) from None
        if meta is not None:
            self._announce_in_meta_task(meta, flush.notices)
        else:
            for host, name in flush.notices:
                self.recorder.notify(handlers.last_task, host, name)
        for handler, notified in flush.runs:
            hosts = [h for h in notified if h not in self.hosts.out_of_play]
            if not hosts:
                continue
            # The handler's own tasks: not the options of the `runner.task` around a flush_handlers call.
            tokens = (running_handler.set(handler), task_options.set(None), loop_state.set(None))
            try:
                await self.hosts.run_block(hosts, handler.body, None, None, functools.partial(_handler_failed, handler.name))
            finally:
                running_handler.reset(tokens[0])
                task_options.reset(tokens[1])
                loop_state.reset(tokens[2])

    def _announce_in_meta_task(self, meta: CallSpec, notices: list[tuple[str, str]]) -> None:
        options = options_of(meta)
        origin = meta.origin or script_call_site()
        name = options.name or "meta"
        task_uuid = self.recorder.ids.next()
        for host in [h for h in self.plays.play_hosts if h not in self.hosts.out_of_play]:
            task = self.recorder.task_start(
                name=name,
                action="meta",
                resolved_action="ansible.builtin.meta",
                path="" if self.adhoc_origin else f"{origin[0]}:{origin[1]}",
                task_uuid=task_uuid,
            )
            for notified_host, handler in notices:
                if notified_host == host:
                    self.recorder.notify(task, host, handler)
            self.recorder.task_end()

    def _not_selected(self, spec: CallSpec) -> Result | HostResults:
        """A task ``--tags``/``--start-at-task`` left out: nothing ran, and no event says so (as in Ansible)."""
        return self._returned(spec, {h: Result(NOT_SELECTED) for h in self.plays.hosts_of(spec.target)})

    def _returned(self, spec: CallSpec, per_host: Mapping[str, Result], run: TaskRun | None = None) -> Result | HostResults:
        """What the awaited call gives the script: one host's result, or the hosts' results in the target's order.

        Each is a copy of what ``register`` stores that also answers FTL2's attributes from FTL2's
        record of the call on that host (``ftl.results`` holds the same record).
        """
        records = run.records if run is not None else {}
        if spec.single_host:
            host, result = next(iter(per_host.items()), ("localhost", Result()))
            return _with_record(spec, host, result, records.get(host))
        order = {h: i for i, h in enumerate(self.plays.hosts_of(spec.target))}
        hosts = sorted(per_host, key=lambda h: order.get(h, len(order)))
        return HostResults([(h, _with_record(spec, h, per_host[h], records.get(h))) for h in hosts])

    def on_ftl_event(self, event: Mapping[str, Any]) -> None:
        """FTL2's ``on_event`` callback: a host's start and result, for the task that is running.

        Not the steps of an action of ftl2-runner's (a remote copy's ``stat``): the action's return
        value reports its hosts."""
        run = current_task.get()
        if run is None or bookkeeping.steps_running():
            return
        task = run.task
        kind = event.get("event")
        host = str(event.get("host", "localhost"))
        host = run.report_as.get(host, host)  # delegate_to: the host the delegate runs for
        if kind == "module_start":
            task.started_epoch[host] = float(event.get("timestamp") or time.time())
            self.recorder.host_start(task, host)
        elif kind == "module_complete":
            self.reporter.ftl2_result(
                run, host, bool(event.get("success")), quirks.event_output(task.action, event), event.get("error"), event.get("timestamp")
            )

    def on_ftl2_record(self, record: Any) -> None:
        """A record FTL2's bookkeeping keeps: the running task's result for that host answers FTL2's attributes from it."""
        run = current_task.get()
        if run is None:
            return
        host = str(getattr(record, "host", "") or "localhost")
        run.records[run.report_as.get(host, host)] = record


def _with_record(spec: CallSpec, host: str, result: Result, record: Any) -> Result:
    """A copy of ``result`` that answers FTL2's ``ExecuteResult`` attributes from ``record`` (or, for a host
    the call did not reach, from the result itself)."""
    returned = Result(result)
    vars(returned)["_ftl2_record"] = record if record is not None else bookkeeping.unrecorded(spec.module, host, result)
    return returned


class ArgumentError(Exception):
    """A task argument could not be templated for a host (``option``: its name, ``message``: the template's error)."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option
        self.message = message


def _rendered(variables: Mapping[str, Any], value: Any) -> Any:
    return render_value(value, variables)


def _depends_on_host(value: Any) -> bool:
    """An argument whose value is the host's: a callable of its variables, or a template (anywhere inside it)."""
    return callable(value) or holds_template(value)


def without_omitted(value: Any) -> Any:
    """``omit``: a dict key or list item whose value rendered to ``{{ omit }}`` is left out, as in Ansible."""
    if isinstance(value, dict):
        return {k: without_omitted(v) for k, v in value.items() if not (isinstance(v, str) and v == OMIT)}
    if isinstance(value, list):
        return [without_omitted(v) for v in value if not (isinstance(v, str) and v == OMIT)]
    return value


def _same_loop_task(task: Task, spec: CallSpec, options: TaskOptions) -> None:
    """Refuse a second, different call in a ``runner.loop`` body, which would be merged silently.

    An Ansible loop is one task running one module per item; a body that calls another module,
    or wraps a call in a ``runner.task`` of another name, has no playbook equivalent, and folding
    it into the first task's items would hide it. Say so where the script can be fixed.
    """
    name = options.name or spec.module
    if spec.module == task.action and name == task.name:
        return
    raise UsageError(
        f"runner.loop(): the loop's task is {task.name!r} ({task.action}), but its body also calls "
        f"{spec.module} as {name!r}; a loop is one task that runs one module per item, as `loop:` is. "
        "Give the other call a runner.loop of its own, or run it after the loop"
    )


def _handler_failed(name: str, hosts: list[str]) -> TaskFailed:
    return TaskFailed(name, hosts, "the handler failed on every host it ran on")


def _throttled(calls: list[tuple[list[str], Any]], limit: int) -> list[tuple[list[str], Any]]:
    """The task's calls, at most ``limit`` of them running at once (``throttle:``; 0 or enough: unchanged)."""
    if not 0 < limit < len(calls):
        return calls
    gate = asyncio.Semaphore(limit)

    def one(call: Any) -> Any:
        async def run() -> Any:
            async with gate:
                return await call()

        return run

    return [(hosts, one(call) if call is not None else call) for hosts, call in calls]
