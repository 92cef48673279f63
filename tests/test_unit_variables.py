"""The variable plane, in process: sources and precedence, templating on read, magic variables, hostvars."""

from __future__ import annotations

import pytest

from ftl2_runner.executor.tasks.executor import without_omitted
from ftl2_runner.executor.vars.conditions import RECURSION, ConditionError, UndefinedVariable, evaluate_expression, holds, render
from ftl2_runner.executor.vars.magic import OMIT, JobMagic, PlayMagic
from ftl2_runner.executor.vars.variables import HostVariables, Layer
from ftl2_runner.inventory import Inventory


class Unsafe(str):
    """What an ``!unsafe`` value looks like to the plane (ftl2_runner.unsafe.UnsafeText says the same)."""

    __UNSAFE__ = True


def _inventory() -> Inventory:
    inventory = Inventory()
    for host, group in (("web1.example.com", "web"), ("web2", "web"), ("db1", "db")):
        inventory.add_host(host, group)
    return inventory.finish()


def _plane(inventory_vars=None, extravars=None, **kwargs):
    inventory = _inventory()
    calls: list[str] = []

    def vars_of(host):
        calls.append(host)
        return (inventory_vars or {}).get(host, {})

    plane = HostVariables(vars_of, extravars or {}, inventory=inventory, job=JobMagic(playbook_dir="/p", limit="web*"), **kwargs)
    return plane, calls


def test_every_level_in_ansibles_order():
    plane, _ = _plane(
        {"web2": {f"l{n}": "inventory" for n in range(1, 9)}}, {"l8": "extra"}, playbook_vars={"l3": "launcher", "lx": "launcher"}
    )
    plane.add_facts("web2", {"l2": "facts", "l3": "facts", "lx": "facts"})
    plane.open_play(PlayMagic("p", ["web2"], ["web2"]), {f"l{n}": "play" for n in range(3, 9)})
    plane.play.files["web2"] = Layer({f"l{n}": "vars_files" for n in range(4, 9)}, True)
    plane.include("web2", {f"l{n}": "include_vars" for n in range(6, 9)})
    plane.set("web2", "l7", "set_fact")
    plane.set("web2", "l8", "set_fact")
    view = plane.of("web2", {f"l{n}": "task" for n in range(5, 9)})
    assert [view[f"l{n}"] for n in range(1, 9)] == [
        "inventory",
        "facts",
        "play",
        "vars_files",
        "task",
        "include_vars",
        "set_fact",
        "extra",
    ]
    assert view["lx"] == "launcher"  # a launcher's vars are play vars: above the facts, below the play's own
    hostvars = plane.hostvars["web2"]  # no play, no task: what hostvars shows of a host
    assert [hostvars[f"l{n}"] for n in range(1, 9)] == [
        "inventory",
        "facts",
        "facts",
        "inventory",
        "inventory",
        "include_vars",
        "set_fact",
        "extra",
    ]


def test_values_are_templated_when_read_with_the_reader_s_variables():
    plane, calls = _plane(
        {
            "web1.example.com": {"app_name": "shop", "app_dir": "/srv/{{ app_name }}", "a": "{{ b }}-a", "b": "{{ c }}-b", "c": "c"},
            "web2": {"app_dir": "/srv/{{ app_name }}"},
        },
        {"release": "{{ app_dir }}/{{ version }}", "version": "{{ 1 + 1 }}"},
    )
    view = plane.of("web1.example.com")
    assert view["app_dir"] == "/srv/shop" and view["a"] == "c-b-a" and view["release"] == "/srv/shop/2"
    assert plane.of("web1.example.com", {"app_name": "other"})["app_dir"] == "/srv/other"  # the reader's moment
    assert render("{{ version + 1 }}", view) == 3  # a template keeps its type
    assert calls == ["web1.example.com"]  # the inventory level is merged once per host
    with pytest.raises(UndefinedVariable, match="'app_name' is undefined"):
        plane.of("web2")["app_dir"]
    assert render("{{ app_dir | default('fallback') }} {{ app_dir is defined }}", plane.of("web2")) == "fallback False"


def test_a_variable_that_reads_itself_fails_as_ansible_says():
    plane, _ = _plane({"db1": {"r1": "{{ r2 }}", "r2": "{{ r1 }}", "again": "x{{ again }}"}})
    for name in ("r1", "again"):
        with pytest.raises(ConditionError, match=RECURSION):
            evaluate_expression(name, plane.of("db1"))


def test_data_is_never_templated_again():
    plane, _ = _plane({"db1": {"name": "db"}}, {"survey": Unsafe("{{ lookup('pipe', 'id') }}")})
    plane.add_facts("db1", {"ansible_motd": "{{ name }}"})
    plane.set("db1", "literal", "{{ name }}")  # a set fact holds the value it was set to
    view = plane.of("db1")
    assert view["literal"] == "{{ name }}" and view["ansible_motd"] == "{{ name }}"
    assert view["survey"] == "{{ lookup('pipe', 'id') }}" and type(view["survey"]) is Unsafe


def test_magic_variables():
    plane, _ = _plane()
    removed: set[str] = set()
    plane.open_play(PlayMagic("deploy", ["web1.example.com", "web2", "db1"], ["web1.example.com", "web2"], lambda: removed), {})
    view = plane.of("web1.example.com")
    assert view["groups"] == {
        "all": ["web1.example.com", "web2", "db1"],
        "ungrouped": [],
        "web": ["web1.example.com", "web2"],
        "db": ["db1"],
    }
    assert view["group_names"] == ["web"] and view["inventory_hostname_short"] == "web1"
    assert view["ansible_host"] == "web1.example.com" and view["ansible_connection"] == "ssh"  # a task's connection defaults
    assert "ansible_host" not in plane.hostvars["web2"]
    assert view["ansible_limit"] == "web*" and view["ansible_run_tags"] == ["all"] and view["ansible_version"]["full"] == "2.21.5"
    removed.add("web2")
    assert view["ansible_play_hosts"] == ["web1.example.com", "db1"] and view["ansible_play_batch"] == ["web1.example.com"]
    assert view["ansible_play_hosts_all"] == ["web1.example.com", "web2", "db1"]
    assert holds("groups['db'] | length == 1 and hostvars['db1'].group_names == ['db']", view)
    assert evaluate_expression("vars['inventory_hostname']", view) == "web1.example.com"
    assert render("{{ omit }}", view) == OMIT
    assert without_omitted({"mode": OMIT, "path": "/x", "list": [1, OMIT], "nested": {"a": OMIT}}) == {
        "path": "/x",
        "list": [1],
        "nested": {},
    }
    plane.close_play()
    assert "ansible_play_hosts" not in plane.of("web1.example.com")


def test_snapshot_names_the_variable_that_cannot_be_rendered():
    plane, _ = _plane({"db1": {"ok": "{{ 1 }}", "broken": "{{ nowhere }}"}})
    with pytest.raises(UndefinedVariable, match="variable 'broken' of host db1: 'nowhere' is undefined"):
        plane.of("db1").snapshot()
    assert plane.of("db1")["ok"] == 1


def test_a_container_renders_only_the_items_read():
    plane, _ = _plane(
        {"db1": {"name": "db", "settings": {"port": "{{ 5000 + 432 }}", "broken": "{{ nowhere }}", "tags": ["{{ name }}", 2]}}}
    )
    view = plane.of("db1")
    assert render("{{ settings.port }} {{ settings.tags[0] }} {{ settings['tags'] | length }}", view) == "5432 db 2"
    assert evaluate_expression("settings.tags", view) == ["db", 2] and type(evaluate_expression("settings.tags", view)) is list
    assert render("{{ settings.tags | to_json }}", view) == '["db", 2]'  # a filter gets plain data
    with pytest.raises(UndefinedVariable, match="'nowhere' is undefined"):
        evaluate_expression("settings", view)  # the whole value leaves the template: every item is rendered
