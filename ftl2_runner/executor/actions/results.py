"""Classifies FTL2 module results into Ansible outcomes (ok, failed, skipped, unreachable).

FTL2 0.4.7 has no skipped or unreachable flag: a result is skipped when the module
says ``skipped: true``, and unreachable only shows as an ``error`` text starting with
``Remote execution failed:`` followed by a connection cause. Those rules live here,
in one place, because they are facts about FTL2's current output.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_REMOTE_FAILURE = "Remote execution failed: "
# Causes FTL2 reports when it could not reach or log into a host (see ftl2-engine notes §2.2).
_CONNECTION_CAUSES = (
    "Failed to connect",
    "SSH authentication failed",
    "Connection refused",
    "Connection lost",
    "Host key",
    "Permission denied",
    "Timed out",
    "timed out",
)

OK, FAILED, SKIPPED, UNREACHABLE = "ok", "failed", "skipped", "unreachable"


def is_unreachable_error(error: str | None) -> bool:
    if not error or not error.startswith(_REMOTE_FAILURE):
        return False
    cause = error[len(_REMOTE_FAILURE) :]
    return any(marker in cause for marker in _CONNECTION_CAUSES)


def classify(success: bool, output: Mapping[str, Any] | None, error: str | None) -> tuple[str, dict[str, Any]]:
    """Return ``(outcome, res)`` for one host's FTL2 result.

    ``res`` is the module output, with ``msg`` filled in when FTL2 only reported the
    failure in ``error`` (``shaping.as_failure`` then gives it ansible-core 2.21's shape).
    """
    res = dict(output or {})
    if error is not None and is_unreachable_error(error):
        return UNREACHABLE, {
            "changed": False,
            "msg": error[len(_REMOTE_FAILURE) :],
            "unreachable": True,
        }
    if res.get("skipped") is True:
        return SKIPPED, res
    if not success or res.get("failed") is True:
        if not res.get("msg"):
            if error:
                res["msg"] = error
            elif isinstance(res.get("rc"), int) and res["rc"] != 0:
                res["msg"] = "non-zero return code"
        return FAILED, res
    return OK, res
