"""A task's ``environment:`` (the play's, its blocks', its own): the variables its module runs with.

ansible-core merges the play's, the blocks' and the task's ``environment`` (the task's wins), renders
the values with the host's variables, and prefixes the module's command with them, so the module's
process — and every command it runs — sees them; actions that run on the controller (``debug``,
``set_fact``...) are not affected. FTL2 0.4.7 has no such setting: its native ``command`` runs in the
worker's own process environment. So a task with an environment runs its module as Ansible's own,
with the variables set in the module's process: here (:func:`..ftl2.ansible_modules.run_local`) or
through FTL2's gate (:func:`..ftl2.remote_modules.run_module`); ``script`` runs its script with them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from ..ftl2 import ansible_modules, remote_modules
from ..ftl2.quirks import short_name

# Actions whose module (or script) ftl2-runner runs with the task's environment; `shell` is `command` with a shell.
_COMMANDS = frozenset(("command", "shell"))
# Actions that have an action plugin of their own (or run on the controller): their paths stay as they are.
_OWN_PATHS = frozenset(
    (
        "debug", "set_fact", "set_stats", "assert", "fail", "pause", "include_vars", "meta",
        "copy", "template", "fetch", "package", "setup", "gather_facts", "ping", "raw", "async_status",
    )
)  # fmt: skip


class EnvironmentNotMapping(ValueError):
    """A task's ``environment`` that is not a mapping once rendered (ansible-core refuses it too)."""


def merged(layers: Iterable[Mapping[str, Any] | None], render: Callable[[Any], Any]) -> dict[str, str]:
    """The environment a host's module runs with: every layer rendered, later ones winning (as ansible-core's
    ``update``), values as text (ansible-core quotes ``str(value)`` into the command's prefix)."""
    out: dict[str, str] = {}
    for layer in layers:
        if not layer:
            continue
        rendered = render(layer)
        if not isinstance(rendered, Mapping):
            raise EnvironmentNotMapping(f"environment must be a dictionary, received {rendered} ({type(rendered).__name__})")
        out.update({str(k): str(v) for k, v in rendered.items()})
    return out


def applies(module: str) -> bool:
    """Whether ftl2-runner runs ``module`` itself when its task has an environment (a collection's: FTL2's)."""
    short = short_name(module)
    return "." not in short and short not in _OWN_PATHS


def call(
    context: Any,
    settings: Any,
    module: str,
    host: str,
    params: Mapping[str, Any],
    environment: dict[str, str],
    local: bool,
    address: str | None = None,
    playbook_dir: str | None = None,
) -> Callable[[], Awaitable[Any]]:
    """The call that runs ``module`` on ``host`` with ``environment``; it returns Ansible's result (or FTL2's
    ``ExecuteResult`` when a remote host could not be reached). ``address``: the host's ``ansible_host``."""
    from . import script_action
    from .shaping import PRESHAPED

    short = short_name(module)
    check, diff, verbosity = settings.check_mode, settings.diff, settings.verbosity
    args = dict(params)
    if short == "shell":
        args["_uses_shell"] = True
    name = "command" if short in _COMMANDS else short

    async def run() -> Any:
        if short == "script":
            if local:
                out: Any = await script_action.run_local(params, check, environment, playbook_dir)
            else:
                out = await script_action.run_remote(context, host, params, check, environment, address, playbook_dir)
        elif local:
            out = await ansible_modules.run_local(name, args, check, diff, verbosity, environment=environment)
        else:
            out = await remote_modules.run_module(
                context, host, name, ansible_modules.module_args(args, check, diff, verbosity), environment=environment
            )
            if isinstance(out, dict):
                out = ansible_modules.with_output_lines(out)
        return dict(out, **{PRESHAPED: True}) if isinstance(out, dict) else out

    return run
