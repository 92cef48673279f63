"""Module paths that moved when the tree was arranged into rooms: importable for one more release.

Code that imported a module by its old path (``ftl2_runner.config``, ``ftl2_runner.executor.events``...)
gets the module at its new path — the same module object, so patching it still works — and a
``DeprecationWarning`` that names the new path, attributed to the importing line. The finder is
consulted only after every real one has failed, and only for the names below, so it costs nothing
otherwise. Remove this module (and its lines in ``ftl2_runner/__init__.py``) in the next release.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing's: imported by every ftl2-runner process, through the package
if TYPE_CHECKING:
    from typing import Any

MOVED = {
    "ftl2_runner.upstream": "ftl2_runner.processes.upstream",
    "ftl2_runner.config": "ftl2_runner.processes.config",
    "ftl2_runner.runner_spawn": "ftl2_runner.processes.runner_spawn",
    "ftl2_runner.warm_executor": "ftl2_runner.processes.warm_executor",
    "ftl2_runner.cancel": "ftl2_runner.processes.cancel",
    "ftl2_runner.process_tree": "ftl2_runner.processes.process_tree",
    "ftl2_runner.quick_exit": "ftl2_runner.processes.quick_exit",
    "ftl2_runner.safe_unzip": "ftl2_runner.intake.safe_unzip",
    "ftl2_runner.job_paths": "ftl2_runner.intake.job_paths",
    "ftl2_runner.launcher": "ftl2_runner.intake.launcher",
    "ftl2_runner.playbook_kind": "ftl2_runner.intake.playbook_kind",
    "ftl2_runner.script_header": "ftl2_runner.intake.script_header",
    "ftl2_runner.gate": "ftl2_runner.executor.ftl2.gate",
    "ftl2_runner.executor.args": "ftl2_runner.executor.cli.args",
    "ftl2_runner.executor.extravars": "ftl2_runner.executor.cli.extravars",
    "ftl2_runner.executor.inventory_path": "ftl2_runner.executor.cli.inventory_path",
    "ftl2_runner.executor.inspection": "ftl2_runner.executor.cli.inspection",
    "ftl2_runner.executor.usage": "ftl2_runner.executor.cli.usage",
    "ftl2_runner.executor.script_loader": "ftl2_runner.executor.cli.script_loader",
    "ftl2_runner.executor.adhoc": "ftl2_runner.executor.cli.adhoc",
    "ftl2_runner.executor.script_api": "ftl2_runner.executor.api.script_api",
    "ftl2_runner.executor.plays": "ftl2_runner.executor.api.plays",
    "ftl2_runner.executor.custom_events": "ftl2_runner.executor.api.custom_events",
    "ftl2_runner.executor.ftl2.calls": "ftl2_runner.executor.api.calls",
    "ftl2_runner.executor.call_overrides": "ftl2_runner.executor.actions.router",
    "ftl2_runner.executor.remote_copy_action": "ftl2_runner.executor.actions.remote_copy_action",
    "ftl2_runner.executor.template_action": "ftl2_runner.executor.actions.template_action",
    "ftl2_runner.executor.package_action": "ftl2_runner.executor.actions.package_action",
    "ftl2_runner.executor.script_action": "ftl2_runner.executor.actions.script_action",
    "ftl2_runner.executor.facts": "ftl2_runner.executor.actions.facts",
    "ftl2_runner.executor.failures": "ftl2_runner.executor.actions.failures",
    "ftl2_runner.executor.shaping": "ftl2_runner.executor.actions.shaping",
    "ftl2_runner.executor.results": "ftl2_runner.executor.actions.results",
    "ftl2_runner.executor.user_result": "ftl2_runner.executor.ftl2.user_result",
    "ftl2_runner.executor.tasks.local_actions": "ftl2_runner.executor.actions.local_actions",
    "ftl2_runner.executor.ansible_modules": "ftl2_runner.executor.ftl2.ansible_modules",
    "ftl2_runner.executor.remote_hints": "ftl2_runner.executor.ftl2.remote_hints",
    "ftl2_runner.executor.protocol": "ftl2_runner.executor.display.protocol",
    "ftl2_runner.executor.partial_files": "ftl2_runner.executor.display.partial_files",
    "ftl2_runner.executor.events": "ftl2_runner.executor.display.events",
    "ftl2_runner.executor.formatting": "ftl2_runner.executor.display.formatting",
    "ftl2_runner.executor.output_capture": "ftl2_runner.executor.display.output_capture",
    "ftl2_runner.executor.log_routing": "ftl2_runner.executor.display.log_routing",
    "ftl2_runner.executor.tty_relay": "ftl2_runner.executor.display.tty_relay",
    "ftl2_runner.executor.diff": "ftl2_runner.executor.display.diff",
    "ftl2_runner.executor.diagnostics": "ftl2_runner.executor.display.diagnostics",
    "ftl2_runner.executor.booleans": "ftl2_runner.executor.vars.booleans",
    "ftl2_runner.executor.tasks.conditions": "ftl2_runner.executor.vars.conditions",
    "ftl2_runner.executor.tasks.variables": "ftl2_runner.executor.vars.variables",
}


class OldPathFinder:
    """A meta path finder and loader that serves each old path with the module at its new one."""

    @classmethod
    def find_spec(cls, name: str, path: Any = None, target: Any = None) -> Any:
        if name not in MOVED:
            return None
        from importlib.machinery import ModuleSpec

        loader: Any = cls  # a loader by protocol (create_module, exec_module); importlib.abc costs an import
        return ModuleSpec(name, loader)

    @staticmethod
    def create_module(spec: Any) -> None:
        return None  # the import system's placeholder; exec_module swaps it for the real module

    @staticmethod
    def exec_module(module: Any) -> None:
        import importlib
        import os
        import warnings

        old = module.__name__
        warnings.warn(
            f"{old} is now {MOVED[old]}; the old path goes away in the next release",
            DeprecationWarning,
            # Directories, not files: CPython's C warn() never matches a prefix as long as the file name.
            skip_file_prefixes=(os.path.dirname(__file__) + os.sep, os.path.dirname(importlib.__file__) + os.sep, "<frozen importlib"),
        )
        # The import system returns what sys.modules holds under the name once exec_module is done.
        sys.modules[old] = importlib.import_module(MOVED[old])


def install() -> None:
    if OldPathFinder not in sys.meta_path:
        sys.meta_path.append(OldPathFinder)
