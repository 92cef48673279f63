"""``_ansible_delegated_vars`` of a delegated task's result: the delegate, its connection and where it goes.

ansible-core adds to a delegated result the delegate's name and connection and, of the options the
delegate's connection plugin reads from ``ansible_host``, ``ansible_port`` and ``ansible_user``, the
values the plugin resolved — its defaults included. The ``local`` connection reads none of them; the
``ssh`` connection reads all three, so they are always listed for an ssh delegate: the address (the
delegate's name when no variable gives one), the port and the user (``None`` when no variable gives
them), each from the last of its variables the delegate defines (:mod:`...inventory.connection`,
the same values FTL2 connects with).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...inventory import connection

# Names Ansible's implicit localhost answers to (a delegate outside the inventory: connection local).
_IMPLICIT_LOCALHOST = ("localhost", "127.0.0.1", "::1")
# The delegate's variables ansible-core copies for a connection other than ssh and local, where that
# plugin has them as options: listed only where the delegate's variables set them.
_OTHER_CONNECTION_VARS = ("ansible_host", "ansible_port", "ansible_user")


def delegated_vars(delegate: str, variables: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``_ansible_delegated_vars`` of a result delegated to ``delegate``, whose variables are ``variables``
    (None: a delegate outside the inventory, an implicit host whose name is its address)."""
    if variables is None:
        local = delegate in _IMPLICIT_LOCALHOST
        variables = {"ansible_connection": "local" if local else "ssh"}
    kind = str(variables.get("ansible_connection") or "ssh")
    out: dict[str, Any] = {"ansible_delegated_host": delegate, "ansible_connection": kind}
    if kind == "local":
        return out
    if kind == "ssh":
        try:
            port: Any = connection.ssh_port(variables)
        except ValueError:
            port = connection.last_defined(variables, connection.PORT_VARS)  # the task fails to connect
        out.update(ansible_host=connection.ssh_host(delegate, variables), ansible_port=port, ansible_user=connection.ssh_user(variables))
        return out
    for name in _OTHER_CONNECTION_VARS:
        if variables.get(name) is not None:
            out[name] = variables[name]
    return out
