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
turns sets into lists, as ansible-core's module encoder does, in our subprocess only.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Mapping
from typing import Any

_BOOTSTRAP = """
import json, runpy, sys
_default = json.JSONEncoder.default
def _sets_as_lists(self, value):
    if isinstance(value, (set, frozenset)):
        return list(value)
    return _default(self, value)
json.JSONEncoder.default = _sets_as_lists
name = sys.argv.pop(1)  # a module reads its arguments from argv[1] when there is one, else stdin
runpy.run_module("ansible.modules." + name, run_name="__main__", alter_sys=True)
"""

TIMEOUT = 300


def module_args(params: Mapping[str, Any], check_mode: bool = False, diff: bool = False,
                verbosity: int = 0) -> dict[str, Any]:
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
    return {"failed": True, "msg": "MODULE FAILURE: See stdout/stderr for the exact error",
            "module_stdout": stdout, "module_stderr": stderr, "rc": rc}


async def run_local(name: str, params: Mapping[str, Any], check_mode: bool = False, diff: bool = False,
                    verbosity: int = 0) -> dict[str, Any]:
    """Run ``ansible.modules.<name>`` here and return its result dict."""
    stdin = json.dumps({"ANSIBLE_MODULE_ARGS": module_args(params, check_mode, diff, verbosity)}).encode()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-I", "-c", _BOOTSTRAP, name,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()
        return {"failed": True, "msg": f"The module {name} timed out after {TIMEOUT} seconds"}
    return parse_output(out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), process.returncode or 0)
