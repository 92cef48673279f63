"""Actions FTL2 refuses but playbooks use all the time, run by ftl2-runner itself:
``debug``, ``set_fact``, ``set_stats``, ``assert``, ``fail``, ``pause`` and ``include_vars``.

All are Ansible *action plugins* (they run on the controller, not on the host), which is why
FTL2, which runs modules, has none of them; most read or write the variables that only
ftl2-runner keeps (:mod:`..vars.variables`). Each returns one host's ``(outcome, res)`` as
ansible-core 2.21's action returns it, keys in the order its controller reports them.
"""

from __future__ import annotations

import asyncio
import datetime
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ..vars.booleans import ansible_bool
from ..vars.conditions import ConditionError, evaluate_expression, holds, render
from . import failures, results
from .shaping import as_failure


class ArgumentFailure(Exception):
    """An argument of the action could not be templated: the caller reports ``failure``, Ansible's chained error."""

    def __init__(self, failure: failures.Failure) -> None:
        super().__init__(failure.res["msg"])
        self.failure = failure


VERBOSITY_NOT_MET = "Verbosity threshold not met."


def debug(params: Mapping[str, Any], variables: Mapping[str, Any], job_verbosity: int = 0) -> tuple[str, dict[str, Any]]:
    """``debug(msg=...)`` (templated per host) or ``debug(var=...)`` (an expression), as ansible-core 2.21 prints them.

    ``verbosity=N`` above the job's ``-v`` count skips it, as Ansible's action does (nothing is templated).
    """
    res: dict[str, Any] = {}
    try:
        wanted = int(params.get("verbosity") or 0)
    except (TypeError, ValueError):
        wanted = 0
    if wanted > job_verbosity:
        return results.SKIPPED, {"changed": False, "failed": False, "skipped": True, "skipped_reason": VERBOSITY_NOT_MET}
    if "var" in params:
        res["changed"] = False
        name = str(params["var"])
        try:
            value = evaluate_expression(name, variables)
        except ConditionError as exc:
            # ansible-core 2.21 reports the template error as a warning of the result, and shows its marker.
            res["warnings"] = [f"Encountered 1 template error.\nerror 1 - {exc}"]
            value = f"<< error 1 - {exc} >>"
        res["_ansible_verbose_always"] = True
        res[name] = value
    else:
        msg = params.get("msg", "Hello world!")
        if isinstance(msg, str):
            try:
                msg = render(msg, variables)
            except ConditionError as exc:
                raise ArgumentFailure(failures.templated_argument("ansible.builtin.debug", "msg", str(exc))) from exc
        res["changed"] = False
        res["msg"] = msg
        res["_ansible_verbose_always"] = True
    return results.OK, res


def set_fact(params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``set_fact(name=value, ...)``: the facts become the host's variables (the caller stores them)."""
    facts = {k: v for k, v in params.items() if k != "cacheable"}
    return results.OK, {"changed": False, "ansible_facts": facts}


def set_stats(params: Mapping[str, Any], variables: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``set_stats``: custom stats (AWX's workflow artifacts), every value templated for the host."""
    data = params.get("data", {})
    if isinstance(data, str):
        data = render(data, variables)
    if not isinstance(data, Mapping):
        return results.FAILED, as_failure({"changed": False, "msg": "The 'data' option needs to be a dictionary/hash"})
    stats: dict[str, Any] = {"data": {}, "per_host": False, "aggregate": True}
    for option in ("per_host", "aggregate"):
        value = params.get(option)
        if value is not None:
            stats[option] = value if isinstance(value, bool) else ansible_bool(_deep_render(value, variables))
    for key, value in data.items():
        stats["data"][_deep_render(key, variables)] = _deep_render(value, variables)
    return results.OK, {"changed": False, "ansible_stats": stats}


def _deep_render(value: Any, variables: Mapping[str, Any]) -> Any:
    """Template strings anywhere in ``value``, as ansible-core templates a structure."""
    if isinstance(value, str):
        return render(value, variables)
    if isinstance(value, Mapping):
        return {_deep_render(k, variables): _deep_render(v, variables) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_deep_render(v, variables) for v in value]
    return value


def _templated(value: Any, variables: Mapping[str, Any]) -> Any:
    return render(value, variables) if isinstance(value, str) else value


def assert_(params: Mapping[str, Any], variables: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``assert(that=..., fail_msg/msg=..., success_msg=..., quiet=...)``: the first false ``that`` fails."""
    that = params.get("that")
    that_list = [that] if isinstance(that, str) else list(that or [])
    try:
        fail_msg = _templated(params.get("fail_msg", params.get("msg", "Assertion failed")), variables)
        success_msg = _templated(params.get("success_msg", "All assertions passed"), variables)
    except ConditionError as exc:
        return results.FAILED, as_failure({"changed": False, "msg": f"Task failed: {exc}"})
    verbose = {} if params.get("quiet") else {"_ansible_verbose_always": True}
    for condition in that_list:
        try:
            ok = holds(condition, variables)
        except ConditionError as exc:
            return results.FAILED, as_failure({"changed": False, "msg": f"Task failed: Conditional result was {exc}"})
        if not ok:
            return results.FAILED, as_failure({"changed": False, "msg": fail_msg, **verbose, "evaluated_to": False, "assertion": condition})
    return results.OK, {"changed": False, "msg": success_msg, **verbose}


def fail(params: Mapping[str, Any], variables: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``fail(msg=...)``: always fails, with Ansible's default message when none is given."""
    try:
        msg = _templated(params["msg"], variables) if "msg" in params else "Failed as requested from task"
    except ConditionError as exc:
        msg = f"Task failed: {exc}"
    return results.FAILED, as_failure({"changed": False, "msg": msg})


def include_vars(params: Mapping[str, Any], variables: Mapping[str, Any], secrets: list[Any] | None = None) -> tuple[str, dict[str, Any]]:
    """``include_vars(file=... | dir=..., name=...)``: the files' variables (the caller stores them for the host),
    ``!vault`` values decrypted with the job's ``secrets``."""
    from ..vars.vars_files import VarsFileError
    from ..vars.vars_files import include_vars as read

    try:
        return results.OK, read(params, str(variables.get("playbook_dir") or "."), secrets or [])
    except VarsFileError as exc:
        # ansible-core's action fails with its reason in `message` and an "Unknown error." of its own, in this order.
        return results.FAILED, {
            "changed": False,
            "ansible_facts": {},
            "exception": "(traceback unavailable)",
            "msg": "Task failed: Action failed: Unknown error.",
            "_ansible_no_log": False,
            "message": str(exc),
            "ansible_included_var_files": [],
        }


PAUSE_CONTROLS = "(ctrl+C then 'C' = continue early, ctrl+C then 'A' = abort)"


async def pause(params: Mapping[str, Any], display: Callable[[str], None], warning: Callable[[str], None]) -> tuple[str, dict[str, Any]]:
    """``pause(seconds=... | minutes=...)`` as a job runs it: stdin is never interactive, so a timed
    pause just waits, and a pause for a prompt (no time) warns and goes on, as ansible-core does."""
    echo = bool(params.get("echo", True))
    res: dict[str, Any] = {"changed": False, "rc": 0, "stderr": "", "stdout": "", "start": None, "stop": None, "delta": None, "echo": echo}
    seconds: int | None = None
    unit = "minutes"
    if params.get("minutes") is not None:
        seconds = int(params["minutes"]) * 60
    elif params.get("seconds") is not None:
        seconds = int(params["seconds"])
        unit = "seconds"
    start = time.time()
    res["start"] = str(datetime.datetime.now())
    if seconds is not None:
        seconds = max(seconds, 1)
        display(f"Pausing for {seconds} seconds{'' if echo else ' (output is hidden)'}")
        display(PAUSE_CONTROLS)
        await asyncio.sleep(seconds)
    else:
        warning("Not waiting for response to prompt as stdin is not interactive")
    duration = time.time() - start
    res["stop"] = str(datetime.datetime.now())
    res["delta"] = int(duration)
    res["stdout"] = f"Paused for {round(duration / 60.0 if unit == 'minutes' else duration, 2)} {unit}"
    res["user_input"] = ""
    res["stdout_lines"] = [res["stdout"]]
    res["stderr_lines"] = []
    return results.OK, res


ACTIONS: dict[str, Callable[..., Any]] = {
    "debug": debug,
    "set_fact": set_fact,
    "set_stats": set_stats,
    "assert": assert_,
    "fail": fail,
    "include_vars": include_vars,
}
# Actions after which ansible-core 2.21 has written an (empty) fact cache entry for the host.
TOUCH_FACT_CACHE = frozenset(("debug", "set_fact"))
# Actions whose failure Ansible 2.21 words `Task failed: Action failed: ...` (not `Module failed`).
ACTION_FAILURES = frozenset(("assert", "fail", "script", "pause"))
# Actions ansible-core runs once for the whole host list (BYPASS_HOST_LOOP): the first host only.
BYPASS_HOST_LOOP = frozenset(("pause",))


async def run(
    short: str,
    params: Mapping[str, Any],
    variables: Mapping[str, Any],
    display: Callable[[str], None],
    warning: Callable[[str], None],
    secrets: list[Any] | None = None,
    verbosity: int = 0,
) -> tuple[str, dict[str, Any]]:
    """One host's ``(outcome, res)`` for the action ``short`` (``set_fact`` is the caller's to store;
    ``verbosity``: the job's ``-v`` count, which ``debug``'s own ``verbosity`` is compared with)."""
    if short == "debug":
        return debug(params, variables, verbosity)
    if short == "set_fact":
        return set_fact(params)
    if short == "include_vars":
        return include_vars(params, variables, secrets)
    if short == "pause":
        outcome: Awaitable[tuple[str, dict[str, Any]]] = pause(params, display, warning)
        return await outcome
    return ACTIONS[short](params, variables)


def short_name(module: str) -> str:
    return module.rsplit(".", 1)[-1]
