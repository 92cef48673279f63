"""A host list mixing local and remote hosts, one set of arguments: which lists the router routes (unit tier).

The real run (a local host and two hosts over a real sshd, diffed against ansible-core) is the compat
case ``mixed_hosts_transfer``; here, which modules are split and how.
"""

from __future__ import annotations

from types import SimpleNamespace

from ftl2_runner.executor.actions import router

LOCAL = {"local1", "localhost"}


def _job(context: object = object()) -> router.Job:
    return router.Job(context, SimpleNamespace(check_mode=False, diff=False, verbosity=0), lambda host: host in LOCAL)


def test_a_transfer_module_on_a_mixed_list_is_routed_as_its_local_and_its_remote_hosts():
    hosts = ["r1", "local1", "r2", "localhost"]
    for module in ("copy", "template", "uri", "get_url", "ansible.builtin.copy", "ansible.legacy.get_url"):
        assert router.parts(_job(), module, hosts) == [["local1", "localhost"], ["r1", "r2"]], module


def test_lists_of_one_kind_and_other_modules_stay_one_call():
    assert router.parts(_job(), "copy", ["r1", "r2"]) == [["r1", "r2"]]
    assert router.parts(_job(), "template", ["local1"]) == [["local1"]]
    assert router.parts(_job(), "command", ["r1", "local1"]) == [["r1", "local1"]]  # the same on both: FTL2's one call
    assert router.parts(_job(), "community.general.copy", ["r1", "local1"]) == [["r1", "local1"]]


def test_outside_ftl2s_context_nothing_is_split():
    assert router.parts(_job(context=None), "copy", ["r1", "local1"]) == [["r1", "local1"]]
