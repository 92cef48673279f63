"""Builds FTL2's inventory objects from a resolved Ansible inventory.

Each FTL2 host gets its *effective* variables (group vars applied, host vars last),
each FTL2 group lists every host of the Ansible group including its children's, and
the variables FTL2 reads under other names are translated: the key file
(``ansible_ssh_private_key_file`` → ``ssh_private_key_file``), the password
(``ansible_ssh_pass`` → ``ansible_password``) and host key checking
(``ANSIBLE_HOST_KEY_CHECKING``/``ansible_host_key_checking`` → ``disable_host_key_checking``).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Mapping
from typing import Any

from .model import Inventory


def _false(value: Any) -> bool:
    return str(value).strip().lower() in ("0", "false", "no", "off", "n", "f")


def host_settings(variables: Mapping[str, Any], environ: Mapping[str, str], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """FTL2's per-host settings for one host's effective Ansible variables."""
    merged = {**defaults, **variables}
    extra = dict(merged)
    key_file = merged.get("ansible_ssh_private_key_file") or merged.get("ansible_private_key_file")
    if key_file and "ssh_private_key_file" not in extra:
        extra["ssh_private_key_file"] = os.path.expanduser(str(key_file))
    password = merged.get("ansible_password") or merged.get("ansible_ssh_pass")
    if password:
        extra["ansible_password"] = password
    checking = merged.get("ansible_host_key_checking", environ.get("ANSIBLE_HOST_KEY_CHECKING", "True"))
    if _false(checking):
        extra["disable_host_key_checking"] = True
    return extra


def to_ftl2(
    inventory: Inventory,
    hosts: list[str],
    environ: Mapping[str, str] = os.environ,
    defaults: Mapping[str, Any] | None = None,
    host_vars: Callable[[str], Mapping[str, Any]] | None = None,
) -> Any:
    """An ``ftl2.inventory.Inventory`` with ``hosts`` (already limited) and every group.

    ``host_vars`` gives a host's effective variables (default: the inventory's own); the job passes
    its variable plane's, with the playbook's ``group_vars``/``host_vars`` and templates rendered.
    """
    from ftl2.inventory import HostGroup
    from ftl2.inventory import Inventory as Ftl2Inventory
    from ftl2.types import HostConfig

    configs: dict[str, Any] = {}
    for name in hosts:
        own = host_vars(name) if host_vars is not None else inventory.effective_vars(name)
        variables = host_settings(own, environ, defaults or {})
        user = str(variables.get("ansible_user") or variables.get("ansible_ssh_user") or getpass.getuser())
        become_user = str(variables.get("ansible_become_user", "root"))
        become = bool(variables.get("ansible_become", False)) and not _false(variables.get("ansible_become"))
        configs[name] = HostConfig(
            name=name,
            ansible_host=str(variables.get("ansible_host", name)),
            ansible_port=int(variables.get("ansible_port", 22)),
            ansible_user=user,
            ansible_connection=str(variables.get("ansible_connection", "ssh")),
            ansible_python_interpreter=str(variables.get("ansible_python_interpreter", "python3")),
            # ansible-core does not become the user it already logs in as; FTL2 0.4.7 runs sudo anyway
            # (and fails where sudo is not installed, as on many images logged into as root)
            ansible_become=become and become_user != user,
            ansible_become_user=become_user,
            vars=variables,
        )
    result = Ftl2Inventory()
    for group_name, group in inventory.groups.items():
        members = {h: configs[h] for h in inventory.hosts_in(group_name) if h in configs}
        result.add_group(HostGroup(name=group_name, hosts=members, vars=dict(group.vars), children=list(group.children)))
    return result
