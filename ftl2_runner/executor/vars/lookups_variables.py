"""ansible-core's builtin lookups that read the job itself: ``vars``, ``varnames``, ``inventory_hostnames``
and ``config``.

``config`` answers from ansible-core's defaults and their ``ANSIBLE_*`` environment variables: a
script reads no ``ansible.cfg``, so a setting whose value could come from one, or a plugin's setting,
is refused in words that say so rather than answered with a value ``ansible-playbook`` might not have.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .lazy import materialized
from .lookups import LookupError_

if TYPE_CHECKING:
    from .lookup_support import LookupCall, LookupPlugin


def vars_(terms: list[Any], call: LookupCall, default: Any = None, **options: Any) -> list[Any]:
    """``vars``: each named variable's value, templated (``default`` for a missing one, else undefined)."""
    from .template_errors import UndefinedVariable

    if options:
        raise LookupError_(f"Unsupported option(s) for the vars lookup: {', '.join(sorted(options))}")
    out: list[Any] = []
    for term in terms:
        if not isinstance(term, str):
            raise LookupError_(f"Variable name must be 'str' not {type(term).__name__!r}.")
        try:
            out.append(materialized(call.variables[term]))
        except KeyError:
            out.append(call.undefined(f"No variable named {term!r} was found.") if default is None else default)
        except UndefinedVariable as exc:
            out.append(call.undefined(str(exc)))
    return out


def varnames(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    """``varnames``: the names of the host's variables each regular expression finds (``re.search``)."""
    names = list(call.variables.keys())
    out: list[Any] = []
    for term in terms:
        if not isinstance(term, str):
            raise LookupError_(f'Invalid setting identifier, "{term}" is not a string, it is a {type(term)}')
        try:
            pattern = re.compile(term)
        except re.error as exc:
            raise LookupError_(f'Unable to use "{term}" as a search parameter: {exc}') from None
        out.extend(name for name in names if pattern.search(name))
    return out


def inventory_hostnames(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    """``inventory_hostnames``: the hosts host patterns select in ``groups`` (``--limit`` does not apply)."""
    from ...inventory.model import Inventory

    inventory = Inventory()
    groups = call.variables.get("groups") or {}
    for group, hosts in groups.items():
        inventory.group(group)
        for host in hosts:
            inventory.add_host(host, group=group)
    inventory.finish()
    out: list[str] = []
    for term in terms:
        out.extend(host for host in inventory.match(str(term)) if host not in out)
    return out


# ansible-core 2.21's settings a script can answer without ansible.cfg: default, environment variables, type.
_SETTINGS: dict[str, tuple[Any, tuple[str, ...], str]] = {
    "DEFAULT_BECOME": (False, ("ANSIBLE_BECOME",), "bool"),
    "DEFAULT_BECOME_METHOD": ("sudo", ("ANSIBLE_BECOME_METHOD",), "str"),
    "DEFAULT_BECOME_USER": ("root", ("ANSIBLE_BECOME_USER",), "str"),
    "DEFAULT_REMOTE_USER": (None, ("ANSIBLE_REMOTE_USER",), "str"),
    "DEFAULT_TIMEOUT": (10, ("ANSIBLE_TIMEOUT",), "int"),
    "DEFAULT_POLL_INTERVAL": (15, ("ANSIBLE_POLL_INTERVAL",), "int"),
    "DEFAULT_MODULE_NAME": ("command", (), "str"),
    "DEFAULT_HASH_BEHAVIOUR": ("replace", ("ANSIBLE_HASH_BEHAVIOUR",), "str"),
    "DEFAULT_GATHERING": ("implicit", ("ANSIBLE_GATHERING",), "str"),
    "DEFAULT_KEEP_REMOTE_FILES": (False, ("ANSIBLE_KEEP_REMOTE_FILES",), "bool"),
    "DEFAULT_TRANSPORT": ("ssh", ("ANSIBLE_TRANSPORT",), "str"),
    "DEFAULT_PRIVATE_ROLE_VARS": (False, ("ANSIBLE_PRIVATE_ROLE_VARS",), "bool"),
    "DEFAULT_UNDEFINED_VAR_BEHAVIOR": (True, ("ANSIBLE_ERROR_ON_UNDEFINED_VARS",), "bool"),
    "HOST_KEY_CHECKING": (True, ("ANSIBLE_HOST_KEY_CHECKING",), "bool"),
    "DISPLAY_SKIPPED_HOSTS": (True, ("ANSIBLE_DISPLAY_SKIPPED_HOSTS",), "bool"),
    "INJECT_FACTS_AS_VARS": (True, ("ANSIBLE_INJECT_FACT_VARS",), "bool"),
    "DEPRECATION_WARNINGS": (True, ("ANSIBLE_DEPRECATION_WARNINGS",), "bool"),
    "COLOR_OK": ("green", ("ANSIBLE_COLOR_OK",), "str"),
    "COLOR_CHANGED": ("yellow", ("ANSIBLE_COLOR_CHANGED",), "str"),
    "COLOR_ERROR": ("red", ("ANSIBLE_COLOR_ERROR",), "str"),
}


def _typed(value: str, kind: str) -> Any:
    from .booleans import ansible_bool

    if kind == "bool":
        return ansible_bool(value)
    if kind == "int":
        return int(value)
    return value


def config(
    terms: list[Any],
    call: LookupCall,
    on_missing: str = "error",
    plugin_type: Any = None,
    plugin_name: Any = None,
    show_origin: Any = False,
    **options: Any,
) -> list[Any]:
    """``config``: a setting's value from its environment variable, else ansible-core's default."""
    import os

    from .booleans import ansible_bool

    if options:
        raise LookupError_(f"Unsupported option(s) for the config lookup: {', '.join(sorted(options))}")
    if (plugin_type or plugin_name) and not (plugin_type and plugin_name):
        raise LookupError_("Both plugin_type and plugin_name are required, cannot use one without the other.")
    if plugin_type:
        raise LookupError_(f"ftl2-runner cannot read {plugin_type} plugin settings (a script loads no plugins)")
    out: list[Any] = []
    for term in terms:
        if not isinstance(term, str):
            raise LookupError_(f"Invalid setting identifier, {term!r} is not a {str}, its a {type(term)}.")
        known = _SETTINGS.get(term)
        if known is None:
            if on_missing == "skip":
                continue
            if on_missing == "warn":
                call.warn(f"Skipping {term}: ftl2-runner knows no default for the setting {term!r} (a script reads no ansible.cfg).")
                continue
            raise LookupError_(f"ftl2-runner cannot answer the setting {term!r}: a script reads no ansible.cfg (docs/compat.md)")
        default, names, kind = known
        value, origin = default, "default"
        for name in names:
            if name in os.environ:
                value, origin = _typed(os.environ[name], kind), f"env: {name}"
                break
        out.append([value, origin] if ansible_bool(show_origin) else value)
    return out


def plugins() -> dict[str, LookupPlugin]:
    """These lookups by name, for :mod:`.lookup_plugins`."""
    from .lookup_support import LookupPlugin

    return {
        "vars": LookupPlugin(vars_),
        "varnames": LookupPlugin(varnames),
        "inventory_hostnames": LookupPlugin(inventory_hostnames),
        "config": LookupPlugin(config, external=True),
    }
