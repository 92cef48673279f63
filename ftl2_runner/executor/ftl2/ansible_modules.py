"""Runs one of the Ansible modules FTL2 ships, on this machine, the way ansible-core runs it.

FTL2 0.4.7 runs Ansible modules as ``python -I path/to/module.py``: a module that imports
its helpers relatively (``setup``: ``from ..module_utils.basic import AnsibleModule``)
dies with ``ImportError: attempted relative import with no known parent package``, and
the controller flags ansible-core sends every module (``_ansible_diff``,
``_ansible_verbosity``) are never set. Here the module is run as a package module
(``python -I -m ansible.modules.<name>``, the ``ansible`` package FTL2 installs), with
those flags, in a subprocess that does not block the event loop.

FTL2's copy of ``module_utils/basic.py`` serialises results with plain ``json.dumps``, which
refuses the sets some fact collectors return (``ansible_interfaces``...); the bootstrap below
turns sets into lists and bytes into text, as ansible-core's module encoder does, in our subprocess only. Its
``respawn_module`` raises ``NotImplementedError`` (``apt``, ``dnf`` respawn under the system's
Python, where ``python3-apt``/``dnf`` live): the bootstrap respawns as ansible-core does, the
``ansible`` package still coming from FTL2's copy.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Mapping
from typing import Any

# Prepended to every module run of ours (here and through FTL2's gate, ftl2/remote_modules.py): results
# are encoded as ansible-core's module encoder does, sets as lists and bytes as text.
ENCODER_PATCH = """
import json
_default = json.JSONEncoder.default
def _encodable(self, value):
    if isinstance(value, (set, frozenset)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return _default(self, value)
json.JSONEncoder.default = _encodable
"""

_BOOTSTRAP = (
    ENCODER_PATCH
    + """
import runpy, subprocess, sys
boot, name = sys.argv.pop(1), sys.argv.pop(1)  # then a module reads its arguments from stdin
respawned = name.startswith("+")
if respawned:  # under the system's interpreter: its own packages first, FTL2's ansible package after them
    name = name[1:]
    sys.path.append(sys.argv.pop(1))
import ansible.module_utils.common.respawn as respawn
def respawn_module(interpreter):
    from ansible.module_utils import basic
    done = subprocess.run([interpreter, "-I", "-c", boot, boot, "+" + name, str(respawn._ANSIBLE_PARENT_PATH)],
                          input=basic._ANSIBLE_ARGS)
    sys.exit(done.returncode)
respawn.respawn_module = respawn_module
runpy.run_module("ansible.modules." + name, run_name="__main__", alter_sys=True,
                 init_globals={"_respawned": True} if respawned else None)
"""
)

TIMEOUT = 300
# Package managers may rightly run for a long time (ansible-core gives modules no time limit).
_NO_TIMEOUT = frozenset(("pip", "dnf", "dnf5", "apt", "package"))


def module_args(params: Mapping[str, Any], check_mode: bool = False, diff: bool = False, verbosity: int = 0) -> dict[str, Any]:
    """``ANSIBLE_MODULE_ARGS`` as ansible-core fills them for a task."""
    args = dict(params)
    args["_ansible_check_mode"] = bool(check_mode)
    args["_ansible_diff"] = bool(diff)
    args["_ansible_verbosity"] = int(verbosity)
    return args


def parse_output(stdout: str, stderr: str, rc: int) -> dict[str, Any]:
    """The module's JSON result (the last JSON object it printed), else a failure saying why."""
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                result = json.loads(line)
            except ValueError:
                continue
            if isinstance(result, dict):
                return result
    return {
        "failed": True,
        "msg": "MODULE FAILURE: See stdout/stderr for the exact error",
        "module_stdout": stdout,
        "module_stderr": stderr,
        "rc": rc,
    }


def with_output_lines(result: dict[str, Any]) -> dict[str, Any]:
    """``stdout_lines``/``stderr_lines`` added after a module's ``stdout``/``stderr``, as ansible-core's
    controller adds them to every module result that has the text but not the lines."""
    for key in ("stdout", "stderr"):
        if key in result and f"{key}_lines" not in result:
            result[f"{key}_lines"] = str(result[key] or "").splitlines()
    return result


def _ansible_tmp(home: str) -> str:
    """``<home>/.ansible/tmp``, where ansible-core keeps its temporary directories (made if missing)."""
    import os

    base = os.path.join(home, ".ansible", "tmp")
    os.makedirs(base, mode=0o700, exist_ok=True)
    return base


def _login_home() -> str:
    """The home a target's ``~`` means for ansible-core: the user's account entry, not ``$HOME``.

    ansible-core expands a task's ``remote_tmp`` (``~/.ansible/tmp``) as ``~<remote user>`` on the
    target, which the shell resolves from the account database; ``$HOME`` (an execution
    environment or a CI job may set another) plays no part. Without an account entry (a container
    running an arbitrary uid) there is nothing else to go by than ``$HOME``.
    """
    import os
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_dir or os.path.expanduser("~")
    except KeyError:
        return os.path.expanduser("~")


def task_tmpdir() -> str:
    """A task's temporary directory, named as ansible-core's shell plugin names it (``mkdtemp``),
    under the target user's ``~/.ansible/tmp`` (see ``_login_home``)."""
    import os
    import random
    import time

    try:
        base = _ansible_tmp(_login_home())
    except OSError:  # an account home that cannot be written: where the controller keeps its own
        base = _ansible_tmp(os.path.expanduser("~"))
    path = os.path.join(base, f"ansible-tmp-{time.time()}-{os.getpid()}-{random.randint(0, 2**48)}")
    os.mkdir(path, 0o700)
    return path


def local_tmpdir() -> str:
    """A temporary directory named as ansible-core's ``DEFAULT_LOCAL_TMP`` (``ansible-local-<pid>...``).

    The controller's actions render and stage files there; a template's diff names the file.
    """
    import os
    import tempfile

    # The controller's own ``~/.ansible/tmp``: ansible-core expands DEFAULT_LOCAL_TMP with ``$HOME``.
    return tempfile.mkdtemp(prefix=f"ansible-local-{os.getpid()}", dir=_ansible_tmp(os.path.expanduser("~")))


async def run_local(
    name: str,
    params: Mapping[str, Any],
    check_mode: bool = False,
    diff: bool = False,
    verbosity: int = 0,
    tmpdir: bool = False,
    environment: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run ``ansible.modules.<name>`` here and return its result dict.

    ``tmpdir``: give the module the task's temporary directory (``_ansible_tmpdir``), as the
    controller does, for modules that report files they wrote there (``get_url``'s ``src``).
    ``environment``: the task's ``environment:``, added to the module process's environment.
    """
    import shutil

    args = module_args(params, check_mode, diff, verbosity)
    if tmpdir:
        args["_ansible_tmpdir"] = task_tmpdir()
    try:
        return with_output_lines(await _run(name, args, environment))
    finally:
        if tmpdir:
            shutil.rmtree(args["_ansible_tmpdir"], ignore_errors=True)


async def _run(name: str, args: Mapping[str, Any], environment: Mapping[str, str] | None = None) -> dict[str, Any]:
    import os

    stdin = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-I",
        "-c",
        _BOOTSTRAP,
        _BOOTSTRAP,
        name,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **environment} if environment else None,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), None if name in _NO_TIMEOUT else TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        return {"failed": True, "msg": f"The module {name} timed out after {TIMEOUT} seconds"}
    return parse_output(out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), process.returncode or 0)
