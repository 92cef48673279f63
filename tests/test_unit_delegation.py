"""Where an ssh host's connection goes, and what a delegated result says of it (unit tier).

The real run (a real sshd, delegates named by ``ansible_host``, by the ``ansible_ssh_*`` aliases, with no
user, with no variables, outside the inventory; diffed against ansible-core) is the compat case
``remote_delegate_to``; local delegates are case ``delegate_to``.
"""

from __future__ import annotations

import pytest

from ftl2_runner.executor.vars.delegation import delegated_vars
from ftl2_runner.inventory import connection
from ftl2_runner.inventory.ftl2_adapter import to_ftl2
from ftl2_runner.inventory.model import Inventory


def test_the_last_alias_defined_wins_as_in_the_ssh_plugin():
    both = {"ansible_host": "a", "ansible_ssh_host": "b", "ansible_port": 22, "ansible_ssh_port": "2222", "ansible_user": "u"}
    assert connection.ssh_host("h", both) == "b"
    assert connection.ssh_port(both) == 2222  # an int, as the plugin's option
    assert connection.ssh_user({"ansible_user": "u", "ansible_ssh_user": "v"}) == "v"
    assert (connection.ssh_host("h", {}), connection.ssh_port({}), connection.ssh_user({})) == ("h", None, None)
    with pytest.raises(ValueError, match="not a number"):
        connection.ssh_port({"ansible_port": "http"})


def test_an_ssh_delegate_lists_its_resolved_address_port_and_user():
    aliases = {"ansible_ssh_host": "127.0.0.1", "ansible_ssh_port": "2022", "ansible_ssh_user": "root"}
    assert delegated_vars("d1", aliases) == {
        "ansible_delegated_host": "d1",
        "ansible_connection": "ssh",
        "ansible_host": "127.0.0.1",
        "ansible_port": 2022,
        "ansible_user": "root",
    }
    nothing = {
        "ansible_delegated_host": "d3",
        "ansible_connection": "ssh",
        "ansible_host": "d3",
        "ansible_port": None,
        "ansible_user": None,
    }
    assert delegated_vars("d3", {}) == nothing
    assert delegated_vars("elsewhere", None) == dict(nothing, ansible_delegated_host="elsewhere", ansible_host="elsewhere")


def test_a_local_delegate_lists_no_connection_options():
    assert delegated_vars("localhost", None) == {"ansible_delegated_host": "localhost", "ansible_connection": "local"}
    local = {"ansible_connection": "local", "ansible_host": "127.0.0.1"}
    assert delegated_vars("db", local) == {"ansible_delegated_host": "db", "ansible_connection": "local"}
    # another connection: what the delegate's variables set, as before
    assert delegated_vars("w", {"ansible_connection": "winrm", "ansible_port": 5986}) == {
        "ansible_delegated_host": "w",
        "ansible_connection": "winrm",
        "ansible_port": 5986,
    }


def test_ftl2_connects_where_the_ssh_plugin_would():
    inventory = Inventory()
    inventory.add_host("d1", "all", {"ansible_ssh_host": "127.0.0.1", "ansible_ssh_port": "2022", "ansible_ssh_user": "me"})
    config = to_ftl2(inventory, ["d1"], environ={}).get_all_hosts()["d1"]
    assert (config.ansible_host, config.ansible_port, config.ansible_user) == ("127.0.0.1", 2022, "me")
