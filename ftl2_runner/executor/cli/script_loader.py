"""Loads a job's FTL2 script from a path with any extension and finds its ``run``.

AWX only lets users pick playbooks with YAML-ish names, so a ``site.yml`` that is
valid Python must load as well as ``main.py``; we therefore load by path with an
explicit source loader instead of importing by module name. A launcher (a YAML play
naming ``ftl2_script``, see ``ftl2_runner.intake.launcher``) is followed to the script it names.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RC_LOAD_ERROR = 1  # ansible-playbook: the playbook cannot be found or used
RC_PARSE_ERROR = 4  # ansible-playbook: the playbook does not parse (AnsibleParserError)


class ScriptError(Exception):
    """The script cannot be run; the message says why, for the job output; ``rc`` is the exit code."""

    def __init__(self, message: str, rc: int = RC_LOAD_ERROR):
        super().__init__(message)
        self.rc = rc


@dataclass
class LoadedScript:
    """What the executor needs from the job's script (or the launcher that names it)."""

    run: Callable[..., Any]
    path: str  # the Python file that runs
    hosts: str | None = None  # default host pattern: the launcher's hosts, else the script's `hosts:` line
    default_vars: dict[str, Any] = field(default_factory=dict)  # a launcher's vars, below the extra vars


def load_script(path: str) -> LoadedScript:
    """Load ``path``: an FTL2 script, or a launcher naming one."""
    from ...intake.launcher import LauncherError, is_launcher_without_dash, read_launcher, resolve_script
    from ...intake.script_header import ScriptHeaderError, declared_hosts

    launcher, launched = None, path
    if os.path.isfile(path):
        try:
            launcher = read_launcher(path)
            if launcher is not None:
                launched = resolve_script(launcher, path, os.environ, project_root=_project_root(path))
        except LauncherError as exc:
            raise ScriptError(f"the launcher {path} cannot run: {exc}") from exc
    script = launched
    hosts = None
    if os.path.isfile(script):
        try:
            with open(script, encoding="utf-8") as handle:
                source = handle.read()
            if launcher is None and is_launcher_without_dash(source):
                raise ScriptError(
                    f"{path} looks like a launcher but is a mapping, not a list of plays: start the play "
                    "with '- hosts: ...' and indent its other keys under it"
                )
            hosts = declared_hosts(source, script)
        except (OSError, UnicodeDecodeError):
            pass  # the loader below reports it
        except ScriptHeaderError as exc:
            raise ScriptError(str(exc)) from exc
    run = load_run_function(script)
    if launcher is not None:
        return LoadedScript(run, os.path.abspath(script), launcher.hosts or hosts, dict(launcher.variables))
    return LoadedScript(run, os.path.abspath(script), hosts)


def _project_root(launcher_path: str) -> str:
    """Relative launcher paths stay in the project: the cwd (ansible-runner runs jobs in project/)
    when the launcher is inside it, else the launcher's own directory."""
    cwd = os.path.realpath(os.getcwd())
    real = os.path.realpath(launcher_path)
    try:
        if os.path.commonpath([cwd, real]) == cwd and cwd != os.sep:
            return cwd
    except ValueError:
        pass
    return os.path.dirname(real)


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
        # Helper modules next to the script import as in a project, but last: a project file named
        # like an installed module (yaml.py, asyncio.py) never replaces what the executor, FTL2
        # or the script import (issue 26; the executor runs with -P, config.executor_command).
        sys.path.append(script_dir)
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    except SyntaxError as exc:
        from ...intake.playbook_kind import ANSIBLE, playbook_kind

        if exc.filename == path and playbook_kind(path) == ANSIBLE:
            raise ScriptError(
                f"{path} is an Ansible playbook, not an FTL2 script, and no ansible-playbook is available "
                "on this node to run it (install ansible-core next to ftl2-runner, e.g. in the execution "
                "environment, or convert the playbook to an FTL2 script)"
            ) from exc
        from ..display.diagnostics import syntax_error_message

        raise ScriptError(syntax_error_message(exc, path), RC_PARSE_ERROR) from exc
    run = getattr(module, "run", None)
    if run is None:
        raise ScriptError(f"the FTL2 script {path} does not define run(inventory_path, extravars, runner)")
    if not callable(run):
        raise ScriptError(f"run in the FTL2 script {path} is not a function")
    if not inspect.iscoroutinefunction(run):
        raise ScriptError(f"run in the FTL2 script {path} must be 'async def run(inventory_path, extravars, runner)'")
    return run
