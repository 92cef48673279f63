"""Ansible's ``script`` action on hosts that run on this machine.

``script`` is an action plugin: the controller copies a local script to the host's temporary
directory, makes it executable and runs it through the shell. FTL2 0.4.7 ships only the
module's documentation stub, which returns ``{}`` as a success without running anything, so
ftl2-runner does what the action does for local hosts (remote hosts keep FTL2's behaviour; see
docs/compat.md). The result is the action's: ``rc``, ``stdout``/``stderr`` as the shell wrote
them (trailing newline kept) and their ``*_lines``, always ``changed``.
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


async def run_local(params: Mapping[str, Any], check_mode: bool) -> dict[str, Any]:
    """One host's ``script`` result, as ansible-core 2.21's action returns it."""
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
    if not os.path.isfile(source):
        return {"changed": False, "failed": True, "msg": f"Could not find or access '{source}'"}
    if check_mode:
        if creates or removes:
            return {"changed": True}
        return dict(_skip("Check mode is not supported for this task."))
    tmpdir = tempfile.mkdtemp(prefix="ansible-tmp-")
    try:
        copy = os.path.join(tmpdir, os.path.basename(source))
        shutil.copyfile(source, copy)
        os.chmod(copy, 0o700)
        command = raw.replace(source, copy, 1)
        if params.get("executable"):
            command = f"{params['executable']} {command}"
        process = await asyncio.create_subprocess_exec(
            SHELL,
            "-c",
            command,
            cwd=chdir or None,
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
