"""Where ansible-core's ``ssh`` connection goes for a host: its address, port and user, from the host's variables.

The ssh plugin reads each option from a list of variables, and the last one of the list that the host
defines wins: the address from ``ansible_host`` then ``ansible_ssh_host`` (else the host's inventory
name), the port from ``ansible_port`` then ``ansible_ssh_port`` (an int), the user from ``ansible_user``
then ``ansible_ssh_user``. No value for the port or the user is ``None``: ssh then uses its own default
(port 22, the account running it). FTL2 connects with what :mod:`.ftl2_adapter` gives it from here, and a
delegated result names the same values (``_ansible_delegated_vars``, :mod:`..executor.vars.delegation`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Each option's variables, in the order the ssh plugin lists them (the last one defined wins).
HOST_VARS = ("ansible_host", "ansible_ssh_host")
PORT_VARS = ("ansible_port", "ansible_ssh_port")
USER_VARS = ("ansible_user", "ansible_ssh_user")


def last_defined(variables: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    value = None
    for name in names:
        if variables.get(name) is not None:
            value = variables[name]
    return value


def ssh_host(name: str, variables: Mapping[str, Any]) -> str:
    """The address ssh connects to for the inventory host ``name``."""
    value = last_defined(variables, HOST_VARS)
    return name if value is None else str(value)


def ssh_port(variables: Mapping[str, Any]) -> int | None:
    """The port ssh connects to (None: ssh's default); a text that is not a number is a mistake of the inventory."""
    value = last_defined(variables, PORT_VARS)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"the port of a host is not a number: {value!r}") from None


def ssh_user(variables: Mapping[str, Any]) -> str | None:
    """The user ssh logs in as (None: the account running ssh)."""
    value = last_defined(variables, USER_VARS)
    return None if value is None else str(value)
