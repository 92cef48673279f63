"""Turns each host's outcome of a task into its event, its recap count and the script's result.

One place for what a host's result looks like everywhere: the event's ``res`` (shaped like
Ansible's module output, censored under ``no_log``), the text (with the ``[ERROR]`` block of a
failure), the stats, the fact cache, and the :class:`~ftl2_runner.script.Result` the awaited
call returns and ``register`` stores — so they cannot disagree. ``changed_when`` and
``failed_when`` are applied here, before any of them is produced.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ...script import Result
from ..actions import failures, results, shaping
from ..actions.facts import FactCache
from ..display import no_log
from ..display.events import PlaybookRecorder
from ..display.formatting import host_label, task_error_block
from ..vars.conditions import ConditionError, holds, render
from ..vars.lookup_support import take_template_warnings
from ..vars.variables import CONVERTED_SET, INJECTED_FACT, HostVariables, holds_template, untrusted
from .run import TaskRun
from .spec import LoopState, loop_item, loop_state, task_variables

_UNREACHABLE_PREFIX = "Failed to connect to the host via ssh: "
FAILED_WHEN_MESSAGE = "Task failed: Action failed: A 'failed_when' expression evaluated to 'True'."


class HostReporter:
    def __init__(
        self,
        recorder: PlaybookRecorder,
        variables: HostVariables,
        fact_cache: FactCache,
        is_local: Callable[[str], bool],
        verbosity: int = 0,
        diff: bool = False,
    ):
        self.recorder = recorder
        self.verbosity = verbosity
        self.diff = diff  # --diff: a result's diff is sent (runner_on_file_diff) before its line
        self.variables = variables
        self.fact_cache = fact_cache
        self.is_local = is_local
        self.adhoc_origin: tuple[str, str] | None = None

    # --- from FTL2 -------------------------------------------------------------------------

    def ftl2_result(self, run: TaskRun, host: str, success: bool, output: Any, error: str | None, ended: float | None = None) -> None:
        """Shape, classify and report one host's FTL2 result."""
        host = run.report_as.get(host, host)
        task = run.task
        params = run.host_params.get(host, task.params)
        # What a host returned is data, never a template when the script passes it on (ansible-core never
        # templates a module's result again). Not the results of ftl2-runner's own actions (set_fact's value
        # was the script's template): they are not a host's words, and a rendered `{% raw %}` text marked so
        # would keep the script's own templates with that text from rendering.
        output, error = untrusted(failures.module_answer(output)), untrusted(error)
        shaped = shaping.shape_result(
            task.action,
            params,
            output if isinstance(output, dict) else {},
            task.started_epoch.get(host, task.call_started),
            ended or time.time(),
            local=self.is_local(host),
            verbosity=self.verbosity,
        )
        outcome, res = results.classify(success, shaped, error)
        if outcome == results.FAILED:
            res = self._in_ansibles_words(run, host, failures.from_result(task.action, res)) or res
        if outcome == results.UNREACHABLE:
            res = unreachable_result(res.get("msg", ""))
        elif outcome in (results.OK, results.FAILED):
            outcome, res = self._apply_result_conditions(run, host, outcome, res)
        if outcome == results.FAILED and "failed_when_result" not in res:
            res = shaping.as_failure(res)
        self.report(run, host, outcome, res)

    def exception(self, run: TaskRun, host: str, exc: BaseException, connection: bool) -> None:
        host = run.report_as.get(host, host)
        message = untrusted(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)  # may quote a host's answer
        if connection:
            self.report(run, host, results.UNREACHABLE, unreachable_result(message))
        else:
            res = self._in_ansibles_words(run, host, failures.from_exception(run.task.action, message))
            self.report(run, host, results.FAILED, shaping.as_failure(res or {"changed": False, "msg": message}))

    def in_ansibles_words(self, run: TaskRun, host: str, failure: failures.Failure) -> dict[str, Any]:
        """A failed result of ftl2-runner's own in Ansible's form (its error block kept for the host)."""
        return shaping.as_failure(self._in_ansibles_words(run, host, failure) or failure.res)

    def _in_ansibles_words(self, run: TaskRun, host: str, failure: failures.Failure | None) -> dict[str, Any] | None:
        """The result of ``failure`` (None stays None); its extra error text is kept for the host's error block."""
        if failure is None:
            return None
        if failure.summary or failure.headline or failure.cause:
            run.failures[host] = failure
        return failure.res

    def _apply_result_conditions(self, run: TaskRun, host: str, outcome: str, res: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """``changed_when`` / ``failed_when``, with the result registered under its name while they are evaluated."""
        options = run.options
        if options.changed_when is None and options.failed_when is None:
            return outcome, res
        registered = _registered(outcome, res)
        variables = task_variables(self.variables, host, options)
        if options.register:
            variables[options.register] = registered
        try:
            if options.changed_when is not None:
                changed = holds(options.changed_when, registered, variables)
                res = shaping.with_result_fields(dict(res, changed=changed), {"changed_when_result": changed})
                registered["changed"] = changed
            if options.failed_when is not None:
                failed = holds(options.failed_when, registered, variables)
                return _with_failed_when(res, outcome, failed)
        except ConditionError as exc:
            return results.FAILED, shaping.as_failure({"changed": False, "msg": str(exc)})
        return outcome, res

    # --- one host's outcome ------------------------------------------------------------------

    def report(self, run: TaskRun, host: str, outcome: str, res: dict[str, Any], final_of_loop: bool = False) -> None:
        task = run.task
        lookup_warnings = take_template_warnings(host)
        if lookup_warnings:
            res = _with_template_warnings(res, lookup_warnings)
            run.plain_warnings.update(lookup_warnings)
        if run.options.attempts() > 1 and not final_of_loop and outcome in (results.OK, results.FAILED):
            attempt = self._attempt(run, host, outcome, res)
            if attempt is None:
                return  # another attempt follows: the executor runs the call again
            outcome, res = attempt
        if outcome in (results.FAILED, results.UNREACHABLE) and isinstance(res.get("msg"), str):
            from ..ftl2.remote_hints import explain

            res = dict(res, msg=explain(res["msg"]))  # known first-contact failures say what to fix
        if outcome == results.OK and isinstance(res.get("ansible_facts"), dict):
            self.fact_cache.merge(host, res["ansible_facts"])
            self.variables.add_facts(host, res["ansible_facts"])
        if host in run.delegated_vars and outcome in (results.OK, results.FAILED) and not final_of_loop:
            res = _with_delegated_vars(res, run.delegated_vars[host])
        deprecation = None
        kinds = self.variables.take_deprecated_reads(host) if outcome != results.UNREACHABLE else []
        if CONVERTED_SET in kinds:  # a `!!set` variable stored for the first time: a warning, not a deprecation
            kinds.remove(CONVERTED_SET)
            if outcome != results.SKIPPED:
                res = _with_template_warnings(res, [SET_CONVERTED])
        if kinds:
            deprecation = self.deprecation_blocks(run, kinds) if self.variables.deprecations_shown else None
            if outcome != results.SKIPPED:
                res = _with_deprecations(res, [_DEPRECATIONS[kind].entry() for kind in kinds])
        loop = loop_state.get()
        if not (loop is not None and not final_of_loop and outcome != results.UNREACHABLE):
            run.results[host] = _registered(outcome, res)
        shown = no_log.censor(res) if task.no_log else res  # the one place a result is censored (no_log.py)
        if loop is not None and not final_of_loop and outcome != results.UNREACHABLE:
            error_block = self.error_block(run, res, outcome, host) if outcome == results.FAILED else None
            self._item(run, loop, host, outcome, shown, error_block, deprecation)
            return
        if outcome == results.OK and (self.diff or bool(run.options.diff)):
            # --diff: Ansible shows a changed result's diff first (under no_log: the event, with no diff)
            self.recorder.file_diff(task, host, shown, had_diff=res.get("diff") is not None)
        error_block = None
        if outcome in (results.FAILED, results.UNREACHABLE) and not final_of_loop and host not in run.exhausted:
            error_block = self.error_block(run, res, outcome, host)  # ansible-core words it from the uncensored msg
        elif outcome == results.OK and res.get("warnings") and task.action.rsplit(".", 1)[-1] == "debug":
            error_block = self.warning_block(run, res["warnings"])
        self.recorder.host_result(
            task,
            host,
            outcome,
            shown,
            error_block=error_block,
            quiet=final_of_loop,
            rescued=run.rescuable and outcome == results.FAILED and not run.options.ignore_errors,
            deprecation=deprecation,
        )

    def _attempt(self, run: TaskRun, host: str, outcome: str, res: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """``until``/``retries``: this attempt's result, or None after a ``runner_retry`` when another is due.

        As ansible-core's task executor: the result carries ``attempts``; ``until`` (else "did not
        fail") is evaluated with the result registered; a retry announces ``attempts`` (the next)
        and ``retries`` (all runs); when the runs are used up the result fails, ``attempts`` being
        one less than the runs.
        """
        total = run.options.attempts()
        attempt = run.attempts.get(host, 0) + 1
        run.attempts[host] = attempt
        res = shaping.ansible_key_order(dict(res, attempts=attempt))
        until = run.options.until
        try:
            if until is None:
                satisfied = outcome != results.FAILED
            else:
                registered = _registered(outcome, res)
                variables = task_variables(self.variables, host, run.options)
                if run.options.register:
                    variables[run.options.register] = registered
                satisfied = holds(until, registered, variables)
        except ConditionError as exc:
            return results.FAILED, shaping.as_failure({"changed": False, "msg": f"Task failed: An 'until' expression failed: {exc}"})
        if satisfied:
            return outcome, res
        if attempt < total:
            retry = shaping.ansible_key_order(dict(res, attempts=attempt + 1, retries=total))
            if run.task.no_log:
                retry = no_log.censor(retry, final=False)
            delegated = run.delegated_vars.get(host)
            label = host_label(host, {"_ansible_delegated_vars": delegated}) if delegated else None
            self.recorder.host_retry(run.task, host, retry, label)
            run.retry_hosts.append(host)
            run.task.finished_hosts.add(host)  # for this round: FTL2's return value must not report it again
            return None
        if outcome != results.FAILED:
            run.exhausted.add(host)  # a failure of the retries, not of the module: no error block
        return results.FAILED, dict(res, attempts=total - 1)

    def skipped(self, run: TaskRun, host: str, res: Mapping[str, Any]) -> None:
        host = run.report_as.get(host, host)
        self.recorder.host_start(run.task, host)
        self.report(run, host, results.SKIPPED, dict(res))

    def _item(
        self,
        run: TaskRun,
        loop: LoopState,
        host: str,
        outcome: str,
        res: dict[str, Any],
        error_block: str | None,
        deprecation: list[str] | None = None,
    ) -> None:
        censored = no_log.is_censored(res)
        label = no_log.CENSORED_ITEM_LABEL if censored else self._label(loop, host, run)
        if outcome == results.SKIPPED and (res.get("rc") is not None or "skipped_reason" in res):
            # A module's or an action's own skip (command under --check, debug's verbosity): the item result
            # has no `skipped` (nor `failed`) key in ansible-core.
            res = {k: v for k, v in res.items() if k not in ("skipped", "failed")}
        if not censored:  # ansible-core's censoring drops the loop keys too: the item is not named anywhere
            item = loop.item
            if holds_template(item):  # `loop:` renders its items for each host
                try:
                    item = loop_item(loop, self.variables.of(host, run.options.vars))
                except ConditionError:
                    pass
            reason = res.pop("skipped_reason", None) if outcome == results.SKIPPED and "rc" not in res else None
            res = shaping.with_loop_item(res, loop.loop_var, item, label, loop.index_var, loop.index)
            if reason is not None:  # an action's skip (debug's verbosity): its reason is the action's, after the loop's keys
                res["skipped_reason"] = reason
        loop.item_results.setdefault(host, []).append((outcome, res))
        run.task.finished_hosts.add(host)
        self.recorder.host_start(run.task, host)
        if outcome == results.OK and (self.diff or bool(run.options.diff)):
            self.recorder.file_diff(run.task, host, res, item=True)  # --diff: one per ok item, before its line
        shown = item if label is None else label
        self.recorder.host_item_result(run.task, host, outcome, res, label=shown, error_block=error_block, deprecation=deprecation)

    def _label(self, loop: LoopState, host: str, run: TaskRun) -> Any:
        """``loop_control.label`` for this item on ``host`` (None: the item itself is shown)."""
        if loop.label is None:
            return None
        if callable(loop.label):
            return loop.label(loop.item)
        if isinstance(loop.label, str):
            try:
                variables = task_variables(self.variables, host, run.options)
                return render(loop.label, variables)
            except ConditionError:
                return loop.label
        return loop.label

    def finish_loop(self, run: TaskRun, loop: LoopState) -> None:
        """After the last item: one ``runner_on_ok``/``_failed`` per host with ``results``."""
        run.task.finished_hosts = set()
        for host, items in loop.item_results.items():
            item_res = [res for _, res in items]
            changed = any(res.get("changed") for res in item_res)
            failed = any(outcome == results.FAILED for outcome, _ in items)
            if all(outcome == results.SKIPPED for outcome, _ in items):
                res = {"changed": False, "msg": "All items skipped", "results": item_res, "skipped": True}
                self.report(run, host, results.SKIPPED, res, final_of_loop=True)  # printed: `skipping: [host]`
                continue
            msg = "One or more items failed" if failed else "All items completed"
            res = {"changed": changed, "msg": msg, "results": item_res}
            read = [entry for item in item_res for entry in item.get("deprecations", ())]
            if read:  # ansible-core's loop result carries every item's deprecations
                res = _with_deprecations(res, read)
            self.report(run, host, results.FAILED if failed else results.OK, res, final_of_loop=True)

    def error_block(self, run: TaskRun, res: Mapping[str, Any], outcome: str, host: str | None = None) -> str:
        """Ansible 2.21's ``[ERROR]: Task failed`` block, pointing at the script line."""
        msg = str(res.get("msg") or "").strip()
        failure = run.failures.get(host) if host is not None else None
        if failure is not None and failure.summary:
            summary = failure.summary
        elif outcome == results.UNREACHABLE or res.get("failed_when_result") is True or msg.startswith("Task failed: "):
            summary = msg  # already says what failed (a condition or template error of ftl2-runner's own)
        else:
            from ..actions.local_actions import ACTION_FAILURES

            kind = "Action" if run.task.action.rsplit(".", 1)[-1] in ACTION_FAILURES else "Module"
            summary = f"Task failed: {kind} failed: {msg}" if msg else f"Task failed: {kind} failed."
        if self.adhoc_origin is not None:
            label, task_repr = self.adhoc_origin
            return task_error_block(summary, [f"Origin: {label}", "", task_repr])
        from ..display.diagnostics import origin_block

        headline, cause = (failure.headline, failure.cause) if failure is not None else (None, None)
        origin = origin_block(*run.task.origin)
        if failure is not None and failure.located_causes:
            located: list[str] = []
            for text in failure.located_causes:
                located += [*(["", "<<< caused by >>>", ""] if located else []), text, *origin]
            cause = "\n".join(located)
        return task_error_block(summary, origin, headline=headline, cause=cause)

    def deprecation_blocks(self, run: TaskRun, kinds: list[str]) -> list[str]:
        """ansible-core 2.21's deprecation warnings of what the task's templates read, pointing at the script line."""
        from ..display.diagnostics import origin_block

        blocks = []
        for kind in kinds:
            known = _DEPRECATIONS[kind]
            lines = [f"[DEPRECATION WARNING]: {known.msg} This feature will be removed from ansible-core version {known.version}."]
            lines += [*origin_block(*run.task.origin), "", known.help]
            blocks.append("\n".join([*lines, ""]))
        return blocks

    def warning_block(self, run: TaskRun, warnings: list[str]) -> str:
        """A result's template-error warnings, as ansible-core 2.21 prints them before the result line."""
        from ..display.diagnostics import origin_block

        lines = []
        for warning in warnings:
            lines += [f"[WARNING]: {warning}", *([] if warning in run.plain_warnings else origin_block(*run.task.origin))]
        return "\n".join(lines if all(w in run.plain_warnings for w in warnings) else [*lines, ""])


def _with_template_warnings(res: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """A result with the warnings its templates gave (a lookup's ``errors='warn'``), where ansible-core puts them:
    in its ``warnings``, after ``changed``."""
    if not warnings:
        return res
    out: dict[str, Any] = {}
    placed = "changed" not in res
    if placed:
        out["warnings"] = [*warnings, *res.get("warnings", [])]
    for key, value in res.items():
        if key == "warnings" and placed:
            continue
        if key == "warnings":
            value = [*warnings, *value]
        out[key] = value
        if key == "changed" and "warnings" not in res:
            out["warnings"] = list(warnings)
    return out


def _with_delegated_vars(res: Mapping[str, Any], delegated: Mapping[str, Any]) -> dict[str, Any]:
    """``_ansible_delegated_vars`` where ansible-core's result has it: after ``rc`` and the retry counts."""
    after = [key for key in ("rc", "attempts", "retries") if key in res]
    if not after:
        return {**res, "_ansible_delegated_vars": dict(delegated)}
    out: dict[str, Any] = {}
    for key, value in res.items():
        out[key] = value
        if key == after[-1]:
            out["_ansible_delegated_vars"] = dict(delegated)
    return out


SET_CONVERTED = "Type 'set' is unsupported in variable storage, converting to 'list'."


@dataclass(frozen=True)
class _Deprecation:
    """One of ansible-core 2.21's deprecations of what a template reads: its words and when it goes."""

    msg: str
    version: str
    help: str

    def entry(self) -> dict[str, Any]:
        """The result's ``deprecations`` entry, as the controller adds it."""
        return {
            "msg": self.msg,
            "collection_name": "ansible.builtin",
            "version": self.version,
            "deprecator": {"resolved_name": "ansible.builtin", "type": None},
        }


_DEPRECATIONS = {
    INJECTED_FACT: _Deprecation(
        "INJECT_FACTS_AS_VARS default to `True` is deprecated, top-level facts will not be auto injected after the change.",
        "2.24",
        'Use `ansible_facts["fact_name"]` (no `ansible_` prefix) instead.',
    ),
    "vars": _Deprecation('The internal "vars" dictionary is deprecated.', "2.24", "Use the `vars` and `varnames` lookups instead."),
    "play_hosts": _Deprecation("The `play_hosts` magic variable is deprecated.", "2.23", "Use `ansible_play_batch` instead."),
}


def _with_deprecations(res: Mapping[str, Any], entries: list[dict[str, Any]]) -> dict[str, Any]:
    """``res`` with ansible-core's ``deprecations`` entries, where the controller puts them (after ``changed``, ``warnings``)."""
    out: dict[str, Any] = {}
    placed = False
    for key, value in res.items():
        if not placed and key not in ("changed", "unreachable", "warnings"):
            out["deprecations"] = [*res.get("deprecations", []), *entries]
            placed = True
        if key != "deprecations":
            out[key] = value
    if not placed:
        out["deprecations"] = [*res.get("deprecations", []), *entries]
    return out


def unreachable_result(msg: str) -> dict[str, Any]:
    return {
        "changed": False,
        "unreachable": True,
        "exception": "(traceback unavailable)",
        "msg": f"Task failed: {_UNREACHABLE_PREFIX}{msg}",
    }


def _registered(outcome: str, res: Mapping[str, Any]) -> Result:
    """What ``register:`` stores: the module's result with ``failed`` (and ``skipped``) set, as Ansible does."""
    registered = Result(changed=res.get("changed", False))
    if outcome == results.SKIPPED:
        if "failed" in res:  # an action's own skip (debug's verbosity) says it did not fail, first
            registered["failed"] = res["failed"]
        registered["skipped"] = True
    elif outcome == results.UNREACHABLE:
        registered["unreachable"] = True
    else:
        registered["failed"] = outcome == results.FAILED
    for key, value in res.items():
        if not key.startswith("_ansible") and key not in ("changed", "exception"):
            registered.setdefault(key, value)
    return registered


def _with_failed_when(res: dict[str, Any], outcome: str, failed: bool) -> tuple[str, dict[str, Any]]:
    """Ansible's result after ``failed_when``: the verdict recorded, the module's own failure suppressed."""
    out = {k: v for k, v in res.items() if k not in ("failed", "exception")}
    if failed:
        out["msg"] = FAILED_WHEN_MESSAGE
        return results.FAILED, shaping.as_failure(shaping.with_result_fields(out, {"failed_when_result": True}))
    extra: dict[str, Any] = {"failed_when_result": False}
    if outcome == results.FAILED:
        extra["failed_when_suppressed_exception"] = "(traceback unavailable)"
    return results.OK, shaping.with_result_fields(out, extra)
