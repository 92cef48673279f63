"""``no_log``: what is left of a result once it is censored, in ansible-core's two steps.

Every result of a task passes through ``tasks/reporting.py``'s ``HostReporter.report`` (and a
retry through its ``_attempt``) before anything is shown or sent; that is where ``censor``
is applied, once, so no path (a retry, a loop item, a handler, a delegated or ``run_once``
task, a failure, ``--diff``, ``-vvv``) can show what another path hides.

1. ansible-core (``_internal/_task.py``, ``as_result_dict(censor_callback_result=True)``)
   hands its callbacks only the keys in ``PRESERVE`` and a ``censored`` notice; a final
   result (not a retry) also carries ``_ansible_no_log``, which makes the default callback
   label a loop item ``(censored due to no_log)``.
2. awx_display replaces the ``res`` of any event whose result carries ``_ansible_no_log``
   (and each such entry of a loop's ``results``) with ``{"censored": ...}`` alone
   (``event_res``); a retry, which has no ``_ansible_no_log`` yet, keeps the preserved keys.

What is *not* censored, as in Ansible: the value ``register`` stores (a later ``debug`` of it
prints it), the fact cache, and the ``msg`` in the ``[ERROR]`` block of a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result"
CENSORED_ITEM_LABEL = "(censored due to no_log)"
PRESERVE = frozenset({"_ansible_no_log", "attempts", "changed", "deprecations", "exception", "retries", "warnings"})
# Not in the result ansible-core's callbacks get, but known to them (``CallbackBase.host_label``):
# the ``[h1 -> db]`` of a delegated task. The default callback never prints it, awx_display drops it.
_FOR_THE_LABEL = ("_ansible_delegated_vars",)


def censor(res: Mapping[str, Any], *, final: bool = True) -> dict[str, Any]:
    """``res`` as the callbacks see it under ``no_log``; ``final=False`` for a ``runner_retry``."""
    out = {key: value for key, value in res.items() if key in PRESERVE or key in _FOR_THE_LABEL}
    out["censored"] = CENSORED
    if final:
        out["_ansible_no_log"] = True
    return out


def is_censored(res: Mapping[str, Any]) -> bool:
    return res.get("_ansible_no_log") is True


def event_res(res: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ``res`` of an event, as awx_display's ``capture_event_data`` sends it."""
    if not res.get("_ansible_no_log"):
        items = res.get("results")
        if isinstance(items, list) and any(isinstance(item, Mapping) and item.get("_ansible_no_log") for item in items):
            shown = [{"censored": CENSORED} if isinstance(item, Mapping) and item.get("_ansible_no_log") else item for item in items]
            return {**res, "results": shown}
        return res
    return {"censored": CENSORED}
