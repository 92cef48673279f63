"""Ad hoc commands: AWX's ``ansible PATTERN -m MODULE -a ARGS`` jobs, run as one FTL2 task.

Output follows ansible-runner's ad hoc runs (the ``minimal`` callback): no play or task
banners, ``host | CHANGED | rc=0 >>`` for command-like modules, ``host | SUCCESS => {...}``
for the others, and a silent recap.
"""

from __future__ import annotations

import shlex
from typing import Any

# Modules whose -a string is a free-form command line (Ansible's `_raw_params`).
FREE_FORM = frozenset(("command", "shell", "raw", "script"))


def is_free_form(module: str) -> bool:
    return module.rsplit(".", 1)[-1] in FREE_FORM


def ansible_args(module: str, module_args: str | None) -> dict[str, Any]:
    """The task args as Ansible shows them in an ad hoc error's Origin block."""
    text = module_args or ""
    if is_free_form(module):
        return {"_raw_params": text}
    return _key_values(text)


def ftl2_params(module: str, module_args: str | None) -> dict[str, Any]:
    """Keyword arguments for FTL2: native command/shell take the command line as ``cmd``."""
    text = module_args or ""
    if is_free_form(module):
        return {"cmd": text}
    return _key_values(text)


def _key_values(text: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for token in shlex.split(text):
        key, sep, value = token.partition("=")
        if not sep:
            raise ValueError(f"module arguments must be key=value pairs, got {token!r}")
        params[key] = value
    return params


def origin_repr(module: str, module_args: str | None) -> str:
    task = {"action": module, "args": ansible_args(module, module_args), "timeout": 0, "async_val": 0, "poll": 15}
    return repr(task)


async def run_adhoc(runner: Any, module: str, module_args: str | None, pattern: str) -> int:
    params = ftl2_params(module, module_args)
    async with runner.automation(fail_fast=False):
        if not runner.hosts_matching(pattern):
            runner.warning("No hosts matched, nothing to do")
            return 0
        with runner.play(hosts=pattern) as play:
            call: Any = play
            for part in module.split("."):
                call = getattr(call, part)
            await call(**params)
    return 0
