"""Runs one tracked module call as an Ansible task and reports its per-host results.

Responsibilities, in call order: open an implicit play if needed, emit the task start,
run the FTL2 call with the task as the "current task" (so FTL2's ``module_start`` /
``module_complete`` callbacks land on it), shape and classify each host's result,
report hosts FTL2 said nothing about, and finally decide — as Ansible's linear
strategy would — whether the play stops (``TaskFailed``).

Loops (``runner.loop``) and conditionals (``runner.task(when=False)``) are handled
here too, because they change which events a call produces, not what it runs.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..script import TaskFailed
from . import call_overrides, results, shaping
from .events import PlaybookRecorder, Task
from .tracking import CallSpec, TaskOptions, current_task, run_with_task, script_call_site, task_options

_UNREACHABLE_PREFIX = "Failed to connect to the host via ssh: "
NO_LOG_MESSAGE = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"


@dataclass
class LoopState:
    """One ``runner.loop(items)``: every call inside is an item of one task."""

    items: list[Any]
    loop_var: str = "item"
    item: Any = None
    task: Task | None = None
    item_results: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)


loop_state: contextvars.ContextVar[LoopState | None] = contextvars.ContextVar("ftl2_runner_loop", default=None)


class PerHostResults(dict):
    """Return values of a shortcut called once per host (FTL2 emits no events for them)."""


class TaskExecutor:
    def __init__(self, recorder: PlaybookRecorder, settings: Any, plays: Any):
        self.recorder = recorder
        self.settings = settings
        self.extravars: Mapping[str, Any] = settings.extravars
        self.adhoc_origin: tuple[str, str] | None = None
        from .facts import FactCache, fact_cache_dir

        self.fact_cache = FactCache(fact_cache_dir())
        self._reached_start_task = not settings.start_at_task
        self.plays = plays  # PlayTracker: opens implicit plays, resolves host patterns
        self.fail_fast = True
        # Hosts that failed (or were unreachable) in a task without ignore_errors: like
        # Ansible's linear strategy, later tasks do not run on them.
        self.failed_hosts: set[str] = set()

    # --- starting tasks ------------------------------------------------------------------

    def _start_task(self, spec: CallSpec, params: Mapping[str, Any]) -> Task:
        loop = loop_state.get()
        if loop is not None and loop.task is not None:
            # A loop's items share one task, but each item is its own call.
            loop.task.params = dict(params)
            loop.task.call_started = time.time()
            return loop.task
        self.plays.ensure_play(spec.target)
        options = spec.options or task_options.get() or TaskOptions()
        origin = spec.origin or script_call_site()
        action = spec.module
        task = self.recorder.task_start(
            name=options.name or action,
            action=action,
            resolved_action=action if "." in action else f"ansible.builtin.{action}",
            path="" if self.adhoc_origin else f"{origin[0]}:{origin[1]}",
            ignore_errors=options.ignore_errors,
        )
        task.origin = origin
        task.params = dict(params)
        task.call_started = time.time()
        task.no_log = options.no_log
        if loop is not None:
            loop.task = task
        return task

    async def run_task(self, spec: CallSpec, params: dict[str, Any], call: Callable[[], Awaitable[Any]]) -> Any:
        options = spec.options or task_options.get() or TaskOptions()
        if not self._selected(spec, options):
            return {"changed": False, "skipped": True, "skip_reason": "not selected by tags or --start-at-task"}
        call = self._without_failed_hosts(spec, params, call)
        if call is None:
            return []  # every host of the target already failed: Ansible runs nothing
        task = self._start_task(spec, params)
        if not options.when:
            return self._skip(task, spec)
        own_call = call_overrides.override(self, spec.module, spec.target, params)
        if own_call is not None:  # what FTL2 0.4.7 cannot run as Ansible does (setup, --check, --diff, local names)
            call = own_call
        elif self.settings.check_mode and not self._honours_check_mode(spec):
            short = spec.module.rsplit(".", 1)[-1]
            return self._skip(task, spec, {
                "changed": False, "msg": f"remote module ({short}) does not support check mode", "skipped": True,
            })
        if loop_state.get() is not None:
            task.finished_hosts = set()  # each item reports every host once
        try:
            result = await run_with_task(task, call)
        except TaskFailed:
            raise
        except Exception as exc:  # FTL2 refused or crashed: the task fails on its hosts
            self._fail_unfinished(task, spec, exc)
            return self._finish(task, None, exc)
        self._complete_silent_hosts(task, spec, result)
        return self._finish(task, result, None)

    async def run_local_action(self, spec: CallSpec, params: dict[str, Any]) -> Any:
        """Actions FTL2 refuses but scripts expect (``debug``), run by ftl2-runner itself."""
        options = spec.options or task_options.get() or TaskOptions()
        if not self._selected(spec, options):
            return {"changed": False, "skipped": True, "skip_reason": "not selected by tags or --start-at-task"}
        task = self._start_task(spec, params)
        if not options.when:
            return self._skip(task, spec)
        res: dict[str, Any] = {"changed": False}
        if "msg" in params:
            res["msg"] = params["msg"]
        elif "var" in params:
            res[params["var"]] = self.extravars.get(params["var"], "VARIABLE IS NOT DEFINED!")
        else:
            res["msg"] = "Hello world!"
        res["_ansible_verbose_always"] = True
        for host in self.plays.hosts_of(spec.target):
            self.recorder.host_start(task, host)
            self._report(task, host, results.OK, dict(res))
            self.fact_cache.touch(host)  # ansible-core writes an empty fact cache entry for a debug task
        return self._finish(task, {k: v for k, v in res.items() if not k.startswith("_ansible")}, None)

    def reroute_shortcut(self, spec: CallSpec, params: Mapping[str, Any]) -> Callable[[], Awaitable[Any]] | None:
        """Work around FTL2 0.4.7's shortcut methods on host proxies.

        ``ftl.<group>.shell(...)`` runs on the group's *first* host only, and remote
        ``shell``/``copy`` open their own SSH connection that ignores the inventory's key
        file. For those calls (except a single local host, where the shortcut is right)
        we run the module through FTL2's regular per-host path (``run_on``) instead,
        which uses the gate connection, its credentials, and every host.
        """
        short = spec.module
        if short not in ("shell", "copy") or spec.target in ("localhost", "local") or self.plays.context is None:
            return None
        if short == "copy":
            # FTL2's gate has no content=/controller-side src copy, so its shortcut must do the copying: call
            # it once per host (on a group it would copy to the first host only) and say what it cannot do.
            hosts = self.plays.hosts_of(spec.target)
            keyed = [h for h in hosts if not self.plays.is_local(h) and self.plays.host_var(h, "ssh_private_key_file")]
            if keyed:
                self.recorder.warning(
                    "FTL2 0.4.7 copies files to remote hosts over its own SSH connection, which ignores "
                    f"ansible_ssh_private_key_file (hosts: {', '.join(keyed)}); load the key into the ssh-agent "
                    "(AWX machine credential) for these hosts"
                )
            if len(hosts) == 1:
                return None
            context = self.plays.context

            async def copy_each() -> PerHostResults:
                import asyncio

                outcomes = await asyncio.gather(*(context[h].copy(**params) for h in hosts), return_exceptions=True)
                return PerHostResults(zip(hosts, outcomes, strict=True))

            return copy_each
        hosts = self.plays.hosts_of(spec.target)
        if len(hosts) == 1 and self.plays.is_local(hosts[0]):
            return None
        return self.plays.run_on_hosts(hosts, short, params)

    def _selected(self, spec: CallSpec, options: TaskOptions) -> bool:
        """``--tags``, ``--skip-tags`` and ``--start-at-task``: unselected tasks do not appear at all."""
        name = options.name or spec.module
        if not self._reached_start_task:
            if name != self.settings.start_at_task:
                return False
            self._reached_start_task = True
        tags = set(options.tags)
        wanted = set(self.settings.tags)
        if wanted and "all" not in wanted:
            if not (tags & wanted or "always" in tags or ("tagged" in wanted and tags) or ("untagged" in wanted and not tags)):
                return False
        elif "never" in tags and not (tags & wanted):
            return False
        skipped = set(self.settings.skip_tags)
        if skipped and (tags & skipped or ("tagged" in skipped and tags) or ("untagged" in skipped and not tags)):
            return False
        return True

    def _without_failed_hosts(self, spec: CallSpec, params: dict[str, Any],
                              call: Callable[[], Awaitable[Any]]) -> Callable[[], Awaitable[Any]] | None:
        """Drop hosts that failed earlier from a multi-host call (fail_fast mode only)."""
        if not self.fail_fast or not self.failed_hosts or self.plays.context is None:
            return call
        hosts = self.plays.hosts_of(spec.target)
        remaining = [h for h in hosts if h not in self.failed_hosts]
        if len(remaining) == len(hosts):
            return call
        if not remaining:
            return None
        return self.plays.run_on_hosts(remaining, spec.module, params)

    def _honours_check_mode(self, spec: CallSpec) -> bool:
        """Only Ansible modules FTL2 runs on this machine get (and honour) ``_ansible_check_mode``.

        FTL2's native modules (file, copy, command, shell, template, ...) and everything it
        runs on remote hosts ignore check mode and would change the target, so under
        ``--check`` those calls are not made at all and are reported as skipped.
        """
        from ftl2.ftl_modules import get_module

        short = spec.module.rsplit(".", 1)[-1]
        if short == "ping":
            return True  # FTL2 answers ping without changing anything, locally or remotely
        if get_module(spec.module) is not None or get_module(short) is not None:
            return False
        if short in ("shell", "copy", "template", "fetch", "command", "raw", "script"):
            return False
        return all(self.plays.is_local(h) for h in self.plays.hosts_of(spec.target))

    def _skip(self, task: Task, spec: CallSpec, res: dict[str, Any] | None = None) -> dict[str, Any]:
        res = res or {"changed": False, "false_condition": "False", "skip_reason": "Conditional result was False"}
        for host in self.plays.hosts_of(spec.target):
            self.recorder.host_start(task, host)
            self._report(task, host, results.SKIPPED, dict(res))
        self._finish(task, None, None)
        return dict(res, skipped=True)

    def _finish(self, task: Task, result: Any, exc: BaseException | None) -> Any:
        if loop_state.get() is not None:
            return result  # the loop reports and decides when it ends
        self.recorder.task_end()
        return self._check_play_continues(task, result, exc)

    def _check_play_continues(self, task: Task, result: Any, exc: BaseException | None) -> Any:
        bad = [h for h, o in task.outcomes.items() if o in (results.FAILED, results.UNREACHABLE)]
        if not task.ignore_errors:
            self.failed_hosts.update(bad)
        if self.fail_fast and not task.ignore_errors and bad and len(bad) == len(task.outcomes):
            message = str(exc) if exc else "module failed"
            raise TaskFailed(task.name, bad, message) from exc
        return result

    # --- loops -----------------------------------------------------------------------------

    def finish_loop(self, loop: LoopState) -> None:
        """After the last item: one ``runner_on_ok``/``_failed`` per host with ``results``."""
        task = loop.task
        if task is None:
            return
        task.finished_hosts = set()
        for host, items in loop.item_results.items():
            item_res = [res for _, res in items]
            changed = any(res.get("changed") for res in item_res)
            failed = any(outcome == results.FAILED for outcome, _ in items)
            if failed:
                res = {"changed": changed, "msg": "One or more items failed", "results": item_res}
                self._report(task, host, results.FAILED, res, final_of_loop=True)
            else:
                res = {"changed": changed, "msg": "All items completed", "results": item_res}
                self._report(task, host, results.OK, res, final_of_loop=True)
        self.recorder.task_end()
        self._check_play_continues(task, None, None)

    # --- FTL2 callbacks ---------------------------------------------------------------------

    def on_ftl_event(self, event: Mapping[str, Any]) -> None:
        task = current_task.get()
        if task is None:
            return
        kind = event.get("event")
        host = str(event.get("host", "localhost"))
        if kind == "module_start":
            task.started_epoch[host] = float(event.get("timestamp") or time.time())
            self.recorder.host_start(task, host)
        elif kind == "module_complete":
            output = event.get("output")
            if task.action.rsplit(".", 1)[-1] == "ping" and event.get("module") == "command" and event.get("success"):
                # FTL2 implements host ping as `echo pong`; report what Ansible's ping returns.
                output = {"changed": False, "ping": "pong"}
            self._report_result(task, host, bool(event.get("success")), output, event.get("error"), event.get("timestamp"))

    # --- reporting ---------------------------------------------------------------------------

    def _report_result(self, task: Task, host: str, success: bool, output: Any, error: str | None,
                       ended: float | None = None) -> None:
        """Shape, classify and report one host's FTL2 result."""
        shaped = shaping.shape_result(task.action, task.params, output if isinstance(output, dict) else {},
                                      task.started_epoch.get(host, task.call_started), ended or time.time(),
                                      local=self.plays.is_local(host), verbosity=self.settings.verbosity)
        outcome, res = results.classify(success, shaped, error)
        if outcome == results.FAILED:
            res = shaping.as_failure(res)
        elif outcome == results.UNREACHABLE:
            res = {
                "changed": False,
                "unreachable": True,
                "exception": "(traceback unavailable)",
                "msg": f"Task failed: {_UNREACHABLE_PREFIX}{res.get('msg', '')}",
            }
        self._report(task, host, outcome, res)

    def _report(self, task: Task, host: str, outcome: str, res: dict[str, Any], final_of_loop: bool = False) -> None:
        if outcome in (results.FAILED, results.UNREACHABLE) and isinstance(res.get("msg"), str):
            from .remote_hints import explain

            res = dict(res, msg=explain(res["msg"]))  # known first-contact failures say what to fix
        if outcome == results.OK and isinstance(res.get("ansible_facts"), dict):
            self.fact_cache.merge(host, res["ansible_facts"])
        if task.no_log:
            # As Ansible's TaskResult.clean_copy(): only the censored notice and `changed` survive.
            res = {"censored": NO_LOG_MESSAGE, **{k: res[k] for k in ("changed",) if k in res}}
        loop = loop_state.get()
        if loop is not None and not final_of_loop and outcome != results.UNREACHABLE:
            res = shaping.with_loop_item(res, loop.loop_var, loop.item)
            loop.item_results.setdefault(host, []).append((outcome, res))
            task.finished_hosts.add(host)
            self.recorder.host_start(task, host)
            self.recorder.host_item_result(task, host, outcome, res, label=loop.item)
            return
        if outcome == results.OK and self.settings.diff:
            self.recorder.file_diff(task, host, res)  # --diff: Ansible shows a changed result's diff first
        error_block = None
        if outcome in (results.FAILED, results.UNREACHABLE) and not final_of_loop:
            error_block = self._error_block(task, res, outcome)
        self.recorder.host_result(task, host, outcome, res, error_block=error_block, quiet=final_of_loop and outcome == results.OK)

    def _complete_silent_hosts(self, task: Task, spec: CallSpec, result: Any) -> None:
        """Report hosts FTL2 emitted no result for (its shadowed shortcuts) from the return value."""
        if isinstance(result, PerHostResults):
            for host, output in result.items():
                self.recorder.host_start(task, host)
                if isinstance(output, BaseException):
                    self._report(task, host, results.FAILED, shaping.as_failure(
                        {"changed": False, "msg": f"{type(output).__name__}: {output}"}))
                else:
                    self._report_result(task, host, True, output[0] if isinstance(output, list) and output else output,
                                        None)
            return
        pending = [h for h in task.started_hosts if h not in task.finished_hosts]
        if not task.started_hosts:
            pending = self.plays.hosts_of(spec.target)[:1]
        for host in pending:
            output = result
            if isinstance(result, list):
                output = next((r for r in result if isinstance(r, dict)), {"results": result})
            if hasattr(output, "output") and hasattr(output, "success"):  # an FTL2 ExecuteResult
                self._report_result(task, host, output.success, output.output, output.error)
            elif isinstance(output, dict):
                rc = output.get("rc", 0)
                self._report_result(task, host, not output.get("failed") and rc in (0, None), output, None)
            else:
                self._report(task, host, results.OK, {"changed": False})

    def _fail_unfinished(self, task: Task, spec: CallSpec, exc: BaseException) -> None:
        hosts = [h for h in task.started_hosts if h not in task.finished_hosts]
        if not task.started_hosts:
            hosts = self.plays.hosts_of(spec.target)
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        for host in hosts:
            if "Connection" in type(exc).__name__:
                self._report(task, host, results.UNREACHABLE, {
                    "changed": False, "unreachable": True, "exception": "(traceback unavailable)",
                    "msg": f"Task failed: {_UNREACHABLE_PREFIX}{message}",
                })
            else:
                self._report(task, host, results.FAILED, shaping.as_failure({"changed": False, "msg": message}))

    def _error_block(self, task: Task, res: Mapping[str, Any], outcome: str) -> str:
        """Ansible 2.21's ``[ERROR]: Task failed`` block, pointing at the script line."""
        msg = str(res.get("msg") or "").strip()
        if outcome == results.UNREACHABLE:
            summary = msg
        else:
            summary = f"Task failed: Module failed: {msg}" if msg else "Task failed: Module failed."
        if self.adhoc_origin is not None:
            label, task_repr = self.adhoc_origin
            return "\n".join([f"[ERROR]: {summary}", f"Origin: {label}", "", task_repr, ""])
        from .diagnostics import origin_block

        return "\n".join([f"[ERROR]: {summary}", *origin_block(*task.origin), ""])
