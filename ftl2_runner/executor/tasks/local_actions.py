"""Actions FTL2 refuses but playbooks use all the time, run by ftl2-runner itself: ``debug``, ``set_fact``.

Both are Ansible *action plugins* (they run on the controller, not on the host), which is why
FTL2, which runs modules, has neither; both read or write the variables that only ftl2-runner
keeps (:mod:`.variables`). Each returns one host's ``(outcome, res)`` as Ansible would.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import results
from .conditions import ConditionError, evaluate_expression, render


def debug(params: Mapping[str, Any], variables: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``debug(msg=...)`` (templated per host) or ``debug(var=...)`` (an expression), as ansible-core 2.21 prints them."""
    res: dict[str, Any] = {}
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
                return results.FAILED, {"changed": False, "msg": f"Task failed: {exc}"}
        res["changed"] = False
        res["msg"] = msg
        res["_ansible_verbose_always"] = True
    return results.OK, res


def set_fact(params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``set_fact(name=value, ...)``: the facts become the host's variables (the caller stores them)."""
    facts = {k: v for k, v in params.items() if k != "cacheable"}
    return results.OK, {"changed": False, "ansible_facts": facts}


ACTIONS = {"debug": debug, "set_fact": set_fact}


def short_name(module: str) -> str:
    return module.rsplit(".", 1)[-1]
