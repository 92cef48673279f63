"""``package`` and ``dnf`` as ansible-core 2.21's action plugins choose a manager (unit tier).

The real runs (a real sshd, diffed against ansible-core) are the compat cases ``remote_package_modules``
and ``system_modules``; here the choice is checked against a host that answers ``setup`` with a given
manager and records every module it is asked to run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from ftl2_runner.executor.actions import failures, package_action
from ftl2_runner.executor.actions.shaping import as_failure


class Host:
    """Answers setup with ``manager`` (None: a setup that fails); other modules answer ``{"changed": False}``."""

    def __init__(self, manager: str | None) -> None:
        self.manager = manager
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def __call__(self, name: str, args: Mapping[str, Any]) -> Any:
        self.calls.append((name, dict(args)))
        if name == "setup":
            if self.manager is None:
                return {"failed": True, "msg": "no facts"}
            return {"ansible_facts": {"ansible_pkg_mgr": self.manager}, "changed": False}
        return {"changed": False, "module": name}


def run(action: Any, params: dict[str, Any], variables: dict[str, Any] | None = None, manager: str | None = "apt") -> tuple[Any, Host]:
    host = Host(manager)
    return asyncio.run(action(params, variables or {}, host)), host


def test_package_asks_the_host_for_its_manager_and_runs_it_without_use():
    result, host = run(package_action.package, {"name": "bash", "state": "present"})
    assert host.calls == [("setup", package_action.PKG_MGR_FACT_ARGS), ("apt", {"name": "bash", "state": "present"})]
    assert result == {"changed": False, "module": "apt"}


def test_package_prefers_use_then_the_variable_then_the_fact():
    _, host = run(package_action.package, {"name": "x", "use": "dnf"}, {"ansible_package_use": "apt"})
    assert host.calls == [("dnf", {"name": "x"})]
    _, host = run(package_action.package, {"name": "x"}, {"ansible_package_use": "dnf5", "ansible_facts": {"pkg_mgr": "apt"}})
    assert host.calls == [("dnf5", {"name": "x"})]
    _, host = run(package_action.package, {"name": "x"}, {"ansible_facts": {"pkg_mgr": "ansible.builtin.apt"}})
    assert host.calls == [("apt", {"name": "x"})]


def test_package_failures_are_the_actions_words():
    result, _ = run(package_action.package, {"name": "x"}, manager=None)
    assert result["msg"] == "Failed to fetch ansible_pkg_mgr to determine the package action backend: no facts"
    assert result[failures.SUMMARY] == f"Task failed: Action failed: {result['msg']}"
    result, host = run(package_action.package, {"name": "x", "use": "no_such_manager"})
    assert result["msg"] == 'Could not find a matching action for the "no_such_manager" package manager.'
    assert host.calls == []


def test_dnf_on_a_host_without_dnf_reports_the_manager_it_found():
    result, host = run(package_action.dnf, {"name": "bash"})
    assert host.calls == [("setup", package_action.PKG_MGR_FACT_ARGS)]
    assert result["ansible_facts"] == {"pkg_mgr": "apt"}
    assert result["msg"] == list(package_action.DNF_UNDETECTED)
    # ansible-core words the tuple it failed with as Python prints it
    assert result[failures.SUMMARY].startswith("Task failed: Action failed: ('Could not detect which major revision")
    failure = failures.from_result("dnf", result)
    assert failure is not None and failure.summary == result[failures.SUMMARY] and failures.SUMMARY not in failure.res
    assert list(as_failure(failure.res)) == ["changed", "ansible_facts", "exception", "msg"]


def test_dnf_backends():
    _, host = run(package_action.dnf, {"name": "x", "use_backend": "dnf4"})
    assert host.calls == [("dnf", {"name": "x"})]
    result, host = run(package_action.dnf, {"name": "x"}, manager="dnf5")
    assert host.calls == [("setup", package_action.PKG_MGR_FACT_ARGS), ("dnf5", {"name": "x"})]
    assert result == {"ansible_facts": {"pkg_mgr": "dnf5"}, "changed": False, "module": "dnf5"}
    _, host = run(package_action.dnf, {"name": "x"}, {"ansible_facts": {"pkg_mgr": "dnf"}})
    assert host.calls == [("dnf", {"name": "x"})]  # the host's fact: no setup, no fact in the result
    result, host = run(package_action.dnf, {"name": "x", "use": "dnf", "use_backend": "dnf5"})
    assert result["msg"] == "parameters are mutually exclusive: ('use', 'use_backend')" and host.calls == []


def test_an_unreachable_host_is_passed_on():
    unreachable = object()

    async def gone(name: str, args: Mapping[str, Any]) -> Any:
        return unreachable

    assert asyncio.run(package_action.package({"name": "x"}, {}, gone)) is unreachable
    assert asyncio.run(package_action.dnf({"name": "x"}, {}, gone)) is unreachable
