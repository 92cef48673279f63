"""Ansible's ``script`` action on hosts that run on this machine.

``script`` is an action plugin: the controller copies a local script to the host's temporary
directory, makes it executable and runs it through the shell. FTL2 0.4.7 ships only the
module's documentation stub, which returns ``{}`` as a success without running anything, so
ftl2-runner does what the action does for local hosts (remote hosts keep FTL2's behaviour; see
docs/compat.md). The result is the action's: ``rc``, ``stdout``/``stderr`` as the shell wrote
them (trailing newline kept) and their ``*_lines``, always ``changed``.

On remote hosts the same steps run through FTL2's gate (:mod:`..ftl2.remote_script`): the script
travels in the step's arguments and runs on a terminal, as under ansible-core's ``ssh -tt``, so its
output is the terminal's (``\r\n`` line ends, stderr merged into stdout), and ``stderr`` is what
OpenSSH's multiplexed client prints as the session ends (``Shared connection to <host> closed.``),
which ansible-core reports as the script's stderr.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import tempfile
from collections.abc import Mapping
from typing import Any

SHELL = "/bin/sh"  # ansible.constants.DEFAULT_EXECUTABLE, what the local connection runs commands with


def _skip(msg: str) -> dict[str, Any]:
    return {"changed": False, "skipped": True, "msg": msg}


def find_script(source: str, playbook_dir: str | None) -> tuple[str | None, list[str]]:
    """The script a task names, looked up as ansible-core's ``_find_needle('files', source)`` does:
    ``files/`` beside the playbook, then the playbook's directory (``files/`` is not doubled when the
    name starts with it). Returns ``(path or None, the paths searched)``."""
    source = os.path.expanduser(source)
    if os.path.isabs(source) or not playbook_dir:
        return (source if os.path.isfile(source) else None), [source]
    searched = []
    if source.split("/")[0] != "files":
        searched.append(os.path.join(playbook_dir, "files", source))
    searched.append(os.path.join(playbook_dir, source))
    searched = searched * 2  # the task's own directory, then the playbook's: one directory for a script
    for path in searched:
        if os.path.isfile(path):
            return path, searched
    return None, searched


def _not_found(source: str, searched: list[str]) -> dict[str, Any]:
    """ansible-core's ``AnsibleFileNotFound`` as the action's failure: the message, then the same as the cause."""
    from .failures import CAUSE, SUMMARY

    text = f"Could not find or access '{source}'\nSearched in:\n\t" + "\n\t".join(searched) + " on the Ansible Controller."
    return {"changed": False, "failed": True, "msg": text, CAUSE: text, SUMMARY: f"Task failed: {text}"}


async def run_local(
    params: Mapping[str, Any], check_mode: bool, environment: Mapping[str, str] | None = None, playbook_dir: str | None = None
) -> dict[str, Any]:
    """One host's ``script`` result, as ansible-core 2.21's action returns it (``environment``: the task's;
    ``playbook_dir``: where a relative script name is looked up)."""
    raw = str(params.get("_raw_params") or params.get("cmd") or "").strip()
    creates, removes, chdir = params.get("creates"), params.get("removes"), params.get("chdir")
    if creates and os.path.exists(os.path.expanduser(str(creates))):
        return _skip(f"{creates} exists, matching creates option")
    if removes and not os.path.exists(os.path.expanduser(str(removes))):
        return _skip(f"{removes} does not exist, matching removes option")
    if chdir and not str(chdir).startswith("/"):
        return {"changed": False, "failed": True, "msg": f"chdir {chdir} must be an absolute path for a Unix-aware remote node"}
    try:
        source = shlex.split(raw)[0]
    except (ValueError, IndexError):
        return {"changed": False, "failed": True, "msg": "script requires a path to a local script"}
    found, searched = find_script(source, playbook_dir)
    if found is None:
        return _not_found(source, searched)
    if check_mode:
        if creates or removes:
            return {"changed": True}
        return dict(_skip("Check mode is not supported for this task."))
    tmpdir = tempfile.mkdtemp(prefix="ansible-tmp-")
    try:
        copy = os.path.join(tmpdir, os.path.basename(source))
        shutil.copyfile(found, copy)
        os.chmod(copy, 0o700)
        command = raw.replace(source, copy, 1)
        if params.get("executable"):
            command = f"{params['executable']} {command}"
        process = await asyncio.create_subprocess_exec(
            SHELL,
            "-c",
            command,
            cwd=chdir or None,
            env={**os.environ, **environment} if environment else None,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await process.communicate()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    result: dict[str, Any] = {
        "changed": True,
        "rc": process.returncode,
        "stdout": stdout,
        "stdout_lines": stdout.splitlines(),
        "stderr": stderr,
        "stderr_lines": stderr.splitlines(),
    }
    if process.returncode != 0:
        result.update(msg="non-zero return code", failed=True)
    return result


async def run_remote(
    context: Any,
    host: str,
    params: Mapping[str, Any],
    check_mode: bool,
    environment: Mapping[str, str] | None = None,
    address: str | None = None,
    playbook_dir: str | None = None,
) -> Any:
    """One remote host's ``script`` result, as ansible-core 2.21's action over SSH returns it.

    ``address`` is the host's ``ansible_host`` (the name OpenSSH's closing notice gives). Returns FTL2's
    ``ExecuteResult`` when the host cannot be reached.
    """
    import base64

    from ..ftl2 import remote_modules

    raw = str(params.get("_raw_params") or params.get("cmd") or "").strip()
    creates, removes, chdir = params.get("creates"), params.get("removes"), params.get("chdir")
    checks = {"creates": creates, "removes": removes}

    async def step(args: dict[str, Any], put: dict[str, Any] | None = None) -> Any:
        return await remote_modules.run_module(context, host, "ftl2_runner_script", args, put=put, environment=dict(environment or {}))

    def refused(msg: str) -> dict[str, Any]:
        return {"changed": False, "failed": True, "msg": msg}

    try:
        source = shlex.split(raw)[0]
    except (ValueError, IndexError):
        source = ""
    found, searched = find_script(source, playbook_dir) if source else (None, [])
    ready = found is not None and not (chdir and not str(chdir).startswith("/"))
    if creates or removes:
        if not ready or check_mode:
            answer = await step({**checks, "check_only": True})
            if not isinstance(answer, dict):
                return answer
            if answer.get("skipped"):
                return _skip(str(answer.get("msg")))
    if chdir and not str(chdir).startswith("/"):
        return refused(f"chdir {chdir} must be an absolute path for a Unix-aware remote node")
    if not source:
        return refused("script requires a path to a local script")
    if found is None:
        return _not_found(source, searched)
    if check_mode:
        return {"changed": True} if creates or removes else _skip("Check mode is not supported for this task.")
    command = raw.replace(source, "\x00SCRIPT\x00", 1)
    if params.get("executable"):
        command = f"{params['executable']} {command}"
    with open(found, "rb") as handle:
        put = {"arg": "script", "name": os.path.basename(source), "data": base64.b64encode(handle.read()).decode()}
    answer = await step({**checks, "command": command, "chdir": chdir}, put)
    if not isinstance(answer, dict):
        return answer
    if answer.get("skipped"):
        return _skip(str(answer.get("msg")))
    if "status" not in answer:
        return answer  # the step itself failed (MODULE FAILURE)
    stdout = str(answer.get("output", ""))
    stderr = f"Shared connection to {address or host} closed.\r\n"
    result: dict[str, Any] = {
        "changed": True,
        "rc": answer["status"],
        "stdout": stdout,
        "stdout_lines": stdout.splitlines(),
        "stderr": stderr,
        "stderr_lines": stderr.splitlines(),
    }
    if answer["status"] != 0:
        result.update(msg="non-zero return code", failed=True)
    return result
