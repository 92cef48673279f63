"""FTL2's own record of a script's calls, complete whoever runs them: ``ftl.results``, ``ftl.failed``, the script's ``on_event``.

A program written to FTL2's documentation reads ``ftl.results`` (one ``ExecuteResult`` per host
and call), ``ftl.failed``, ``ftl.errors`` and ``ftl.error_messages``, and may pass ``on_event``
to see ``policy_evaluation``, ``module_start`` and ``module_complete`` for each call. FTL2 keeps
that record for the calls it runs itself. ftl2-runner runs some calls itself (the router's
actions: ``file``, ``setup``, Ansible's modules where FTL2's differ, ``debug``...), or runs them
through FTL2 in several steps (a remote ``copy`` is a ``stat`` and a ``copy`` of Ansible's), so
FTL2's record would miss them or hold the steps. Here:

* the context's result list is replaced by :class:`Records`, which drops what FTL2 records while
  one of our calls runs (its steps) and tells the task executor of every record it keeps, so the
  result returned to the script can answer FTL2's attributes with that very record;
* :meth:`Bookkeeping.own_call` wraps a call ftl2-runner runs: FTL2's policy is asked first (as
  FTL2 asks it before each of its calls), the script's ``on_event`` gets ``module_start`` and
  ``module_complete``, and one ``ExecuteResult`` per host is recorded, under the module the script
  named;
* :meth:`Bookkeeping.for_script` says which of FTL2's events the script's ``on_event`` sees (not
  the steps of our calls);
* FTL2's console options a script asks for explicitly (``verbose=True``, ``print_summary=True``,
  ``print_errors=True``) print FTL2's lines as the job's verbose output, never on stdout.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .quirks import Deferred, outputs_from_return

# While a call of ftl2-runner's runs: STEPS (its FTL2 events are steps, not the task's result; the task
# executor ignores them too) or HIDDEN (FTL2's events report the task, but are not the script's record).
STEPS = "steps"
HIDDEN = "hidden"
_inside: contextvars.ContextVar[str | None] = contextvars.ContextVar("ftl2_runner_own_call", default=None)
# Keys ftl2-runner adds to a result for its own use; not part of a module's output.
_PRIVATE_PREFIX = "_ftl2_runner"


def steps_running() -> bool:
    """Whether FTL2's events now are the steps of an action of ftl2-runner's (no task result)."""
    return _inside.get() == STEPS


def as_steps(call: Deferred) -> Deferred:
    """``call`` with FTL2's events and records during it marked as its steps (no FTL2 record to keep)."""

    async def steps() -> Any:
        token = _inside.set(STEPS)
        try:
            return await call()
        finally:
            _inside.reset(token)

    return steps


@dataclass
class ConsoleOptions:
    """FTL2's console options, as the script passed them (FTL2's defaults print; a job's output is Ansible's)."""

    verbose: bool = False
    print_summary: bool = False
    print_errors: bool = False

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> ConsoleOptions:
        if kwargs.get("quiet"):
            return cls()  # FTL2: quiet silences every other option
        return cls(bool(kwargs.get("verbose", False)), bool(kwargs.get("print_summary", False)), bool(kwargs.get("print_errors", False)))


class Records(list[Any]):
    """FTL2's ``_results`` list: what FTL2 appends goes through :meth:`Bookkeeping.keep`."""

    def __init__(self, book: Bookkeeping, existing: Iterable[Any] = ()):
        super().__init__(existing)
        self._book = book

    def append(self, record: Any, /) -> None:
        if self._book.keep(record):
            super().append(record)

    def extend(self, records: Iterable[Any], /) -> None:
        for record in records:
            self.append(record)

    def add(self, record: Any) -> None:
        """A record of ftl2-runner's own (not filtered)."""
        super().append(record)


class Bookkeeping:
    """FTL2's record of one ``runner.automation()`` context, kept complete for the script."""

    def __init__(
        self,
        context: Any,
        script_on_event: Callable[[dict[str, Any]], Any] | None,
        on_record: Callable[[Any], None],
        display: Callable[[str], None],
        console: ConsoleOptions,
    ):
        self.context = context
        self.script_on_event = script_on_event
        self.on_record = on_record  # the task executor: links the record to the running task's host
        self.display = display
        self.console = console
        self.records = Records(self, getattr(context, "_results", ()))
        context._results = self.records

    # --- FTL2's own calls ------------------------------------------------------------------

    def keep(self, record: Any) -> bool:
        """FTL2 records ``record``: kept unless it is a step of one of our calls."""
        if _inside.get() is not None:
            return False
        self.on_record(record)
        self._log(record)
        return True

    def for_script(self, event: Mapping[str, Any]) -> bool:
        """Whether the script's ``on_event`` gets this event of FTL2's (not the steps of our calls)."""
        return self.script_on_event is not None and _inside.get() is None

    # --- calls ftl2-runner runs ----------------------------------------------------------------

    def own_call(self, module: str, hosts: list[str], params: Mapping[str, Any], call: Deferred, steps: bool) -> Deferred:
        """``call`` (run by ftl2-runner on ``hosts``) with FTL2's bookkeeping: policy, events, one record per host.

        ``steps``: FTL2's events during the call are its steps (the task reads the call's return
        value), else they report the task (Ansible's module through FTL2's gate) but are still not
        the script's. A policy that denies the module on one of the hosts raises FTL2's
        ``PolicyDeniedError`` before anything runs, as FTL2's own calls do.
        """

        async def recorded() -> Any:
            for host in hosts:
                self._check_policy(module, params, host)
            started = time.time()
            for host in hosts:
                self.start(module, host, params, policy=False)
            token = _inside.set(STEPS if steps else HIDDEN)
            try:
                outcome = await call()
            except Exception as exc:
                message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                failure: Exception | None = exc
            else:
                failure = None
            finally:
                _inside.reset(token)
            if failure is not None:
                for host in hosts:
                    self.record(module, host, False, {"failed": True, "msg": message}, message, params, started)
                raise failure
            for host, out in outputs_from_return(outcome, hosts).items():
                output = _clean(out.output)
                error = out.error or (str(output.get("msg", "")) if not out.success else "")
                self.record(module, host, out.success, output, error, params, started)
            return outcome

        return recorded

    def start(self, module: str, host: str, params: Mapping[str, Any], policy: bool = True) -> None:
        """A call of ftl2-runner's begins on ``host``: FTL2's policy is asked (its denial raised), ``module_start`` sent."""
        if policy:
            self._check_policy(module, params, host)
        self._to_script({"event": "module_start", "module": module, "host": host, "check_mode": self._check_mode()})

    def record(
        self,
        module: str,
        host: str,
        success: bool,
        output: Mapping[str, Any],
        error: str | None,
        params: Mapping[str, Any],
        started: float,
    ) -> Any:
        """One host's outcome of a call ftl2-runner ran, as FTL2 records its own: the record and ``module_complete``."""
        from ftl2.ftl_modules.executor import ExecuteResult

        duration = time.time() - started
        output = dict(output)
        result = ExecuteResult(
            success=bool(success),
            changed=bool(output.get("changed", False)),
            output=output,
            error=error or "",
            module=module,
            host=host,
            used_ftl=False,
            params=_redacted(self.context, module, params),
            duration=duration,
            timestamp=started,
        )
        self.records.add(result)
        self.on_record(result)
        self._to_script(
            {
                "event": "module_complete",
                "module": module,
                "host": host,
                "success": result.success,
                "changed": result.changed,
                "check_mode": self._check_mode(),
                "duration": duration,
                "error": result.error,
                "output": output,
            }
        )
        self._log(result)
        return result

    # --- FTL2's console options, as the job's verbose output -------------------------------------

    def _log(self, record: Any) -> None:
        """``verbose=True``: FTL2's line for each call (``[host:module] ok (changed) (0.01s)``)."""
        if not self.console.verbose:
            return
        host = getattr(record, "host", "localhost") or "localhost"
        label = record.module if host == "localhost" else f"{host}:{record.module}"
        status = "ok" if record.success else "FAILED"
        changed = " (changed)" if record.changed else ""
        check = " [CHECK MODE]" if self._check_mode() else ""
        self.display(f"[{label}] {status}{changed}{check} ({record.duration:.2f}s)")
        if record.error:
            self.display(f"  Error: {record.error}")

    def print_on_exit(self) -> None:
        """``print_summary=True`` / ``print_errors=True``: FTL2's summary and error list, when the context ends."""
        results = list(self.records)
        if self.console.print_summary and results:
            counts: dict[str, dict[str, int]] = {}
            for record in results:
                host = getattr(record, "host", "localhost") or "localhost"
                kind = "failed" if not record.success else "changed" if record.changed else "ok"
                counts.setdefault(host, {"changed": 0, "ok": 0, "failed": 0})[kind] += 1
            self.display("SUMMARY:")
            for host, count in counts.items():
                parts = [f"{count[kind]} {kind}" for kind in ("changed", "ok", "failed") if count[kind]]
                self.display(f"  {host}: {sum(count.values())} tasks ({', '.join(parts)})")
        errors = [record for record in results if not record.success]
        if self.console.print_errors and errors:
            self.display(f"ERRORS ({len(errors)}):")
            for record in errors:
                self.display(f"  {record.module} on {getattr(record, 'host', 'localhost') or 'localhost'}: {record.error}")

    # --- helpers ---------------------------------------------------------------------------------

    def _to_script(self, event: dict[str, Any]) -> None:
        if self.script_on_event is not None:
            event["timestamp"] = time.time()
            self.script_on_event(event)

    def _check_mode(self) -> bool:
        return bool(getattr(self.context, "check_mode", False))

    def _check_policy(self, module: str, params: Mapping[str, Any], host: str) -> None:
        """FTL2's policy for a call it does not run itself (its ``policy_evaluation`` event, its denial)."""
        check = getattr(self.context, "_check_policy", None)
        if check is not None:
            check(module, dict(params), host)


def unrecorded(module: str, host: str, result: Mapping[str, Any]) -> Any:
    """FTL2's view of a host the call did not reach (a ``when`` false, a host with no result): not in ``ftl.results``."""
    from ftl2.ftl_modules.executor import ExecuteResult

    failed = bool(result.get("failed") or result.get("unreachable"))
    return ExecuteResult(
        success=not failed,
        changed=bool(result.get("changed", False)),
        output=dict(result),
        error=str(result.get("msg", "")) if failed else "",
        module=module,
        host=host,
        used_ftl=False,
    )


def _clean(output: Any) -> dict[str, Any]:
    if not isinstance(output, Mapping):
        return {}
    return {k: v for k, v in output.items() if not str(k).startswith(_PRIVATE_PREFIX)}


def _redacted(context: Any, module: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The call's arguments as FTL2 records them (secrets its bindings inject are never there)."""
    redact = getattr(context, "_redact_params", None)
    return dict(redact(module, dict(params))) if redact is not None else dict(params)
