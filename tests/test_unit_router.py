"""The router is the one place that chooses who runs a call: a task's ``environment:`` included."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from ftl2_runner.executor.actions import router

_SETTINGS = SimpleNamespace(check_mode=False, diff=False, verbosity=0)


class _Hosts:
    """FTL2's host table as the router reads it: names it knows, configs for ``run_on``."""

    all: list[Any] = []

    def __contains__(self, name: object) -> bool:
        return False


class _Context:
    """What the router reads of FTL2's context for a local host: its host table and the localhost proxy."""

    hosts = _Hosts()

    def __getitem__(self, name: str) -> Any:
        return object()


def _job(local: bool = True) -> router.Job:
    return router.Job(context=_Context(), settings=_SETTINGS, is_local=lambda host: local)


def test_a_tasks_environment_is_routed_to_ansibles_module_with_it() -> None:
    params = {"_raw_params": 'echo "$GREETING from $PLACE"'}
    chosen = router.route(
        _job(), "shell", "web1", ["web1"], ["web1"], params, None, alone=True, environment={"GREETING": "hello", "PLACE": "env"}
    )
    assert chosen.by == router.ACTION and chosen.call is not None
    result: Any = asyncio.run(chosen.call())
    assert result["stdout"] == "hello from env"
    assert result["rc"] == 0


def test_an_environment_never_reaches_actions_done_on_the_controller() -> None:
    assert router.uses_environment("ansible.builtin.command") and router.uses_environment("stat")
    assert not router.uses_environment("debug") and not router.uses_environment("set_fact")
    # debug given an environment is routed as without one: not to an action of ours
    chosen = router.route(_job(), "debug", "web1", ["web1"], ["web1"], {"msg": "x"}, None, alone=True, environment={"A": "b"})
    assert chosen.by == router.FTL2


def test_without_an_environment_a_plain_module_stays_ftl2s_own_call() -> None:
    native = object()
    chosen = router.route(_job(), "command", "web1", ["web1"], ["web1"], {"_raw_params": "true"}, native)  # type: ignore[arg-type]
    assert chosen.by == router.FTL2 and chosen.call is native
