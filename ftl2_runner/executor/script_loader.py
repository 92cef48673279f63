"""Loads a job's FTL2 script from a path with any extension and finds its ``run``.

AWX only lets users pick playbooks with YAML-ish names, so a ``site.yml`` that is
valid Python must load as well as ``main.py``; we therefore load by path with an
explicit source loader instead of importing by module name.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable
from typing import Any


class ScriptError(Exception):
    """The script cannot be run; the message says why, for the job output."""


def load_run_function(path: str) -> Callable[..., Any]:
    if not os.path.exists(path):
        raise ScriptError(f"the FTL2 script: {path} could not be found")
    if not os.path.isfile(path):
        raise ScriptError(f"the FTL2 script: {path} is not a regular file")
    name = "ftl2_job_script"
    path = os.path.abspath(path)  # tracebacks and task_path name the file as ansible-playbook would
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    script_dir = os.path.dirname(os.path.abspath(path))
    if script_dir not in sys.path:
        sys.path.insert(0, script_dir)  # helper modules next to the script import as in a project
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    except SyntaxError as exc:
        from ..playbook_kind import ANSIBLE, playbook_kind

        if playbook_kind(path) == ANSIBLE:
            raise ScriptError(
                f"{path} is an Ansible playbook, not an FTL2 script, and no ansible-playbook is available "
                "on this node to run it (install ansible-core next to ftl2-runner, e.g. in the execution "
                "environment, or convert the playbook to an FTL2 script)"
            ) from exc
        raise ScriptError(f"the FTL2 script {path} is not valid Python: {exc.msg} (line {exc.lineno})") from exc
    run = getattr(module, "run", None)
    if run is None:
        raise ScriptError(f"the FTL2 script {path} does not define run(inventory_path, extravars, runner)")
    if not callable(run):
        raise ScriptError(f"run in the FTL2 script {path} is not a function")
    if not inspect.iscoroutinefunction(run):
        raise ScriptError(f"run in the FTL2 script {path} must be 'async def run(inventory_path, extravars, runner)'")
    return run
