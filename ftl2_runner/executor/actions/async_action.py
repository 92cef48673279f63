"""A task's ``async:``/``poll:`` and the ``async_status`` action, as ansible-core runs them.

ansible-core starts an async task's module detached on the host (``async_wrapper``) and then, with
``poll: 0``, reports the start (``changed``, ``ansible_job_id``, ``results_file``...); with ``poll:
N`` it checks the job with ``async_status`` every N seconds until it finishes or the ``async:``
seconds are used up: each unfinished check is a ``runner_on_async_poll`` event (under a task of its
own, ``async_status``), the end ``runner_on_async_ok``/``runner_on_async_failed``, then the task's
result. The detached half runs on the host (``ftl2/async_job.py``): through FTL2's gate on remote
hosts, as a process of its own on hosts that run on this machine; the router chooses this action
(``router.py``) for every module of a task with ``async:``, and for ``async_status``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..ftl2 import ansible_modules
from ..ftl2.async_job import ASYNC_MODULE

MODULE = "ftl2_runner_async"  # our own module in the library the targets keep (remote_modules.OWN_MODULES)
ASYNC_DIR = "~/.ansible_async"  # ansible-core's shell option async_dir, by default
_FTL2_COMMAND_FAILED = "non-zero return code"
_COMMAND_FAILED = "The command exited with a non-zero return code."


@dataclass(frozen=True)
class AsyncSpec:
    """A task's ``async:`` seconds and ``poll:`` interval, and who hears of each check."""

    seconds: int
    poll: int
    on_poll: Callable[[str, dict[str, Any]], None]  # (host, async_status result): runner_on_async_poll
    on_done: Callable[[str, dict[str, Any]], None]  # (host, final result): runner_on_async_ok / _failed


def module_for(short: str, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The Ansible module a task's action runs, and its arguments (``shell`` is ``command`` with a shell)."""
    if short == "shell":
        return "command", dict(params, _uses_shell=True)
    return short, dict(params)


async def _own_module(context: Any, host: str, local: bool, args: dict[str, Any]) -> dict[str, Any]:
    """Our ``ftl2_runner_async`` module on the host: a process here, or through FTL2's gate."""
    if local:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",
            "-c",
            ASYNC_MODULE,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate(json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode())
        return ansible_modules.parse_output(out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), process.returncode or 0)
    from ..ftl2 import remote_modules

    result = await remote_modules.run_module(context, host, MODULE, args)
    if not isinstance(result, dict):
        raise ConnectionError(str(getattr(result, "error", "") or "the host could not be reached"))
    return result


async def start(
    context: Any, host: str, local: bool, module: str, args: dict[str, Any], seconds: int, environment: Mapping[str, str] | None
) -> dict[str, Any]:
    """Start ``module`` detached on the host: the wrapper's answer (``ansible_job_id``, ``results_file``...)."""
    request = {
        "mode": "start",
        "module": module,
        "module_args": args,
        "time_limit": seconds,
        "async_dir": ASYNC_DIR,
        "environment": dict(environment or {}),
    }
    return await _own_module(context, host, local, request)


async def status(context: Any, host: str, local: bool, jid: str, mode: str = "status") -> dict[str, Any]:
    """ansible-core's ``async_status`` action: its defaults, then the module's answer merged over them."""
    answer = await _own_module(context, host, local, {"mode": "status", "module_args": {"jid": jid, "mode": mode}, "async_dir": ASYNC_DIR})
    if "result" not in answer:
        return answer  # the module itself failed
    path = f"{answer['async_dir']}/{jid}"
    res: dict[str, Any] = {"started": mode != "cleanup", "finished": False, "stdout": "", "stderr": ""}
    res.update(stdout_lines=[], stderr_lines=[], ansible_job_id=jid)
    res["erased" if mode == "cleanup" else "results_file"] = path
    res.update(answer["result"])
    res.pop("invocation", None)
    for key in ("started", "finished"):
        res[key] = bool(res.get(key))
    if res.get("msg") == _FTL2_COMMAND_FAILED:  # FTL2's copy of the command module words it as before 2.21
        res["msg"] = _COMMAND_FAILED
    for key in ("stdout", "stderr"):  # the controller makes the lines of the job's own output
        res[f"{key}_lines"] = str(res.get(key) or "").splitlines()
    return res


def status_action(context: Any, host: str, local: bool, params: Mapping[str, Any]) -> Awaitable[dict[str, Any]]:
    """The ``async_status`` a script calls (``jid``, ``mode``)."""
    return status(context, host, local, str(params.get("jid", "")), str(params.get("mode") or "status"))


async def run(
    context: Any,
    host: str,
    local: bool,
    short: str,
    params: Mapping[str, Any],
    flags: Mapping[str, Any],
    spec: AsyncSpec,
    environment: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """One host's async task: started, then reported at once (``poll: 0``) or polled as ansible-core polls."""
    module, args = module_for(short, params)
    started = await start(context, host, local, module, dict(args, **flags), spec.seconds, environment)
    if started.get("failed") or "ansible_job_id" not in started:
        return started
    if spec.poll <= 0:  # fire and forget: the task executor says changed
        res = {k: v for k, v in started.items() if k != "failed"}
        return dict(res, changed=True)
    jid = str(started["ansible_job_id"])
    checked: dict[str, Any] = {}
    left = spec.seconds
    while left > 0:
        await asyncio.sleep(spec.poll)
        checked = await status(context, host, local, jid)
        if checked.get("finished") or checked.get("failed") or checked.get("skipped"):
            break
        left -= spec.poll
        spec.on_poll(host, checked)
    if not checked.get("finished"):
        # ansible-core 2.21 marks no async_status result as parsed, so it says "unparsable" here
        from .shaping import ansible_key_order

        shown = ansible_key_order(checked)
        checked = {
            "failed": True,
            "async_result": {"changed": False, "failed": False, "warnings": [], "deprecations": [], **shown},
            "msg": "async task produced unparsable results",
        }
    spec.on_done(host, checked)
    return checked
