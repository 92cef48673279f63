"""FTL2's failures in the words ansible-core 2.21 uses for the same mistake.

An author porting a playbook compares the failure AWX shows with the one Ansible showed; FTL2
0.4.7 words some failures its own way, or wraps a module's own answer in its own. Each rule here
recognises one of FTL2's forms and gives Ansible's result (and, where Ansible's ``[ERROR]`` block
has more than one part, the extra text of that block). Every rule is a fact about FTL2's output,
kept in this one place so that a newer FTL2 only changes this file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# FTL2's words for a module name it cannot find (module_loading: the FQCN and the paths it searched,
# which are the worker's own and mean nothing to the job's author).
_UNRESOLVED_MODULE = "Failed to resolve module: Module not found: "
# FTL2's copy (automation/proxy.py) raises FileNotFoundError with this text for a missing src.
_COPY_SOURCE_MISSING = "FileNotFoundError: Source file not found: "
# A failed result of one of ftl2-runner's own actions may carry, under this key, the cause Ansible's
# error block shows below the task's origin (a template's error and the template's path).
CAUSE = "_ftl2_runner_cause"
# ...and, under this key, the block's first line where it is not `Task failed: Action failed: <msg>`.
SUMMARY = "_ftl2_runner_summary"
# ...and, under this key, the line above the origin where it is not `Task failed.`.
HEADLINE = "_ftl2_runner_headline"
# The only keys FTL2 keeps when a module it ran as a file exits non-zero: its own msg, and the
# module's whole answer as raw stdout.
_WRAPPER_KEYS = frozenset(("failed", "msg", "stdout", "stderr"))


@dataclass(frozen=True)
class Failure:
    """A failed result as Ansible reports it, with the parts of its error block beyond the summary.

    ``headline`` and ``cause`` are Ansible's chained-error layout (``Task failed: X.`` above the
    origin, ``<<< caused by >>>`` and the cause below it), used by action plugins' failures.
    """

    res: dict[str, Any]
    summary: str | None = None  # the block's first line, where it is not `Task failed: Module failed: <msg>`
    headline: str | None = None
    cause: str | None = None
    # Causes Ansible points at a place of the task each (an argument's YAML node): each is printed
    # after `<<< caused by >>>` with the task's origin below it.
    located_causes: tuple[str, ...] = ()


def templated_argument(action: str, option: str, message: str) -> Failure:
    """A task argument whose template failed (``message``: the template's error), as ansible-core 2.21
    reports it: the task's args could not be finalized, because one value could not be resolved.

    ansible-core prints this chain either so (each error on its own, as after an earlier failure of
    the run) or with the finalization folded into the block's first line (as for the first); a
    script's block is always the former (docs/compat.md).
    """
    finalizing = f"Finalization of task args for '{action}' failed"
    resolving = f"Error while resolving value for '{option}': {message}"
    return Failure(
        {"changed": False, "msg": f"Task failed: {finalizing}: {resolving}"},
        headline="Task failed.",
        located_causes=(f"{finalizing}.", resolving),
    )


def module_answer(output: Any) -> Any:
    """A failed module's own JSON answer, where FTL2 wrapped it as raw ``stdout``.

    FTL2 runs an Ansible module as a file; when the module exits non-zero (``fail_json``), FTL2
    returns ``{"failed", "msg", "stdout", "stderr"}`` with the module's answer unparsed in
    ``stdout``, where Ansible reports the answer itself (``rc`` included, no ``stdout`` key).
    """
    if not isinstance(output, Mapping) or output.get("failed") is not True or not set(output) <= _WRAPPER_KEYS:
        return output
    stdout = output.get("stdout")
    if not isinstance(stdout, str) or not stdout.strip().startswith("{"):
        return output
    try:
        answer = json.loads(stdout)
    except ValueError:
        return output
    if not isinstance(answer, dict) or answer.get("failed") is not True:
        return output
    return answer


def from_result(action: str, res: Mapping[str, Any]) -> Failure | None:
    """Ansible's form of a failed FTL2 result, or ``None`` where FTL2's is already Ansible's."""
    msg = res.get("msg")
    if CAUSE in res:
        summary = res.get(SUMMARY)
        kept = {k: v for k, v in res.items() if k not in (CAUSE, SUMMARY, HEADLINE)}
        headline = str(res.get(HEADLINE) or "Task failed.")
        return Failure(kept, summary=str(summary) if summary else None, headline=headline, cause=str(res[CAUSE]))
    if SUMMARY in res:  # an action's own failure (package, dnf): `Task failed: Action failed: <msg>`, no cause
        return Failure({k: v for k, v in res.items() if k != SUMMARY}, summary=str(res[SUMMARY]))
    if not isinstance(msg, str):
        return None
    if msg.startswith(_UNRESOLVED_MODULE):
        # A script resolves a module when it calls it: the match in Ansible is an action name only
        # known at run time (`action: "{{ name }}"`), not the parse-time `couldn't resolve`.
        return Failure({"changed": False, "msg": f"Task failed: Cannot resolve '{action}' to an action or module."})
    return None


def from_exception(action: str, message: str) -> Failure | None:
    """Ansible's form of what FTL2 raised (``message`` is ``"Type: text"``), or ``None``."""
    if action.rsplit(".", 1)[-1] in ("copy", "template") and message.startswith(_COPY_SOURCE_MISSING):
        res = {k: v for k, v in source_not_found(message[len(_COPY_SOURCE_MISSING) :]).items() if k != "failed"}
        return from_result(action, res)
    return None


def source_not_found(src: str) -> dict[str, Any]:
    """The failed result of ``copy``'s action for a ``src`` the controller has not got: ansible-core's
    ``AnsibleActionFail`` (the hint about ``remote_src`` only in the error block's cause)."""
    text = f"Could not find or access '{src}' on the Ansible Controller."
    return {
        "changed": False,
        "failed": True,
        "msg": f"Unexpected AnsibleActionFail error: {text}",
        SUMMARY: f"Task failed: Unexpected AnsibleActionFail error: {text}",
        HEADLINE: "Task failed: Unexpected AnsibleActionFail error.",
        CAUSE: f"{text} If you are using a module and expect the file to exist on the remote, see the remote_src option.",
    }
