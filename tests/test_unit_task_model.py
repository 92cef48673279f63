"""The task model's pure parts, in process: conditions, selection, batches, variables, block scopes."""

from __future__ import annotations

import asyncio

import pytest

from ftl2_runner.executor.actions.shaping import with_result_fields
from ftl2_runner.executor.tasks.batches import batches
from ftl2_runner.executor.tasks.blocks import PlayHosts
from ftl2_runner.executor.tasks.selection import StartAtTask, selected_by_tags
from ftl2_runner.executor.vars.conditions import ConditionError, condition_text, evaluate_expression, holds, render
from ftl2_runner.executor.vars.variables import HostVariables
from ftl2_runner.script import Result, TaskFailed

pytestmark = pytest.mark.unit


def test_conditions_take_bools_ansible_strings_and_callables():
    hostvars = {"marker": Result(stdout="ready", failed=False, changed=True), "inventory_hostname": "h1"}
    assert holds(True, hostvars) and not holds(False, hostvars) and holds(None, hostvars)
    assert holds('marker.stdout == "ready" and inventory_hostname != "h2"', hostvars)
    assert holds("marker is succeeded and marker is changed and marker is not failed", hostvars)
    assert not holds("'yes' | bool and missing is defined", hostvars)
    assert holds(lambda v: v.marker.stdout == "ready", hostvars)
    assert holds(lambda r: r.rc == 0, Result(rc=0))  # changed_when/failed_when callables get the result
    with pytest.raises(ConditionError, match="'nothere' is undefined"):
        holds("nothere == 1", hostvars)


def test_false_condition_is_the_text_as_written():
    assert condition_text('marker.stdout == "busy"') == 'marker.stdout == "busy"'
    assert condition_text(False) is False  # `when: false` is shown as the boolean it is
    marker = Result(stdout="x")
    assert condition_text(lambda: marker.stdout == "busy") == 'marker.stdout == "busy"'
    assert condition_text(lambda v: v.x in (1, 2)) == "v.x in (1, 2)"

    def named(v):
        return True

    assert condition_text(named) == "named"


def test_expressions_and_templates():
    assert evaluate_expression("marker.stdout", {"marker": {"stdout": "ok"}}) == "ok"
    assert render("{{ a }} and {{ b | length }}", {"a": 1, "b": [1, 2]}) == "1 and 2"
    assert render("no template", {}) == "no template"
    with pytest.raises(ConditionError):
        evaluate_expression("x.y", {})


def test_tag_selection_follows_ansible():
    assert selected_by_tags((), (), ())
    assert not selected_by_tags(("never",), (), ())
    assert selected_by_tags(("never", "debug"), ("debug",), ())
    assert selected_by_tags(("always",), ("web",), ())
    assert not selected_by_tags(("db",), ("web",), ())
    assert selected_by_tags(("db",), ("tagged",), ()) and not selected_by_tags((), ("tagged",), ())
    assert not selected_by_tags(("web",), (), ("web",))
    start = StartAtTask("second")
    assert [start.allows(n) for n in ("first", "second", "third")] == [False, True, True]


def test_serial_batches():
    hosts = ["h1", "h2", "h3", "h4", "h5"]
    assert batches(hosts, 2) == [["h1", "h2"], ["h3", "h4"], ["h5"]]
    assert batches(hosts, "40%") == [["h1", "h2"], ["h3", "h4"], ["h5"]]
    assert batches(hosts, [1, 3]) == [["h1"], ["h2", "h3", "h4"], ["h5"]]
    assert batches(hosts, 0) == [hosts]


def test_variables_have_ansibles_precedence():
    store = HostVariables(lambda host: {"color": "red", "region": "eu"}, {"region": "us"})
    assert store.of("h1")["color"] == "red" and store.of("h1")["region"] == "us"  # extra vars win
    store.add_facts("h1", {"ansible_system": "Linux", "getent_passwd": {}})
    store.set("h1", "color", "blue")
    v = store.of("h1")
    assert v["color"] == "blue" and v["ansible_system"] == "Linux" and v["getent_passwd"] == {}
    assert v["ansible_facts"] == {"system": "Linux", "getent_passwd": {}}
    assert v["inventory_hostname"] == "h1" and store.of("h2")["color"] == "red"


def test_keys_ansible_adds_go_after_the_known_fields():
    assert list(with_result_fields({"changed": 1, "rc": 0, "stdout": ""}, {"x": 1})) == ["changed", "rc", "x", "stdout"]
    assert list(with_result_fields({"changed": 1}, {"x": 1})) == ["changed", "x"]
    lineinfile = {"changed": 1, "msg": "line added", "diff": [], "backup": ""}
    assert list(with_result_fields(lineinfile, {"x": 1})) == ["changed", "msg", "diff", "x", "backup"]
    assert list(with_result_fields({"changed": 1, "path": "/p", "x": 0}, {"x": 1})) == ["changed", "x", "path"]


def test_block_scopes_choose_the_hosts_and_count_who_failed():
    hosts = PlayHosts()
    seen: dict[str, list[str]] = {}

    async def body():
        seen["body"] = hosts.select(["h1", "h2", "h3"])
        hosts.fail(["h2"])
        seen["body after failure"] = hosts.select(["h1", "h2", "h3"])

    async def rescue():
        seen["rescue"] = hosts.select(["h1", "h2", "h3"])

    async def always():
        seen["always"] = hosts.select(["h1", "h2", "h3"])

    asyncio.run(hosts.run_block(None, body, rescue, always, lambda failed: TaskFailed("block", failed, "x")))
    assert seen == {"body": ["h1", "h2", "h3"], "body after failure": ["h1", "h3"], "rescue": ["h2"], "always": ["h1", "h2", "h3"]}
    assert hosts.out_of_play == set()  # rescued

    async def failing_body():
        hosts.select(["h1"])
        hosts.fail(["h1"])
        raise TaskFailed("t", ["h1"], "boom")

    with pytest.raises(TaskFailed):
        asyncio.run(hosts.run_block(None, failing_body, None, None, lambda failed: TaskFailed("block", failed, "x")))
    assert hosts.out_of_play == {"h1"}


def test_result_types_answer_as_ansible_tests_do():
    from ftl2_runner.script import HostResults

    ok, bad = Result(changed=True, failed=False, rc=0), Result(changed=False, failed=True, rc=1)
    assert ok.succeeded and not bad.succeeded and ok.rc == 0
    with pytest.raises(AttributeError, match="no key 'stdout'"):
        ok.stdout  # noqa: B018 - the attribute access is the test
    group = HostResults(h1=ok, h2=bad)
    assert group.failed_hosts == ["h2"] and group.changed
    assert not HostResults(h1=bad).changed


def test_who_leaves_the_play_after_a_task():
    from ftl2_runner.executor.display.events import Play, Task
    from ftl2_runner.executor.tasks.run import TaskRun
    from ftl2_runner.executor.tasks.spec import CallSpec, TaskOptions

    def run(ignore_errors: bool) -> TaskRun:
        task = Task(name="t", action="command", resolved_action="ansible.builtin.command", path="", uuid="u", play=Play("p", "all", "pu"))
        task.outcomes = {"h1": "ok", "h2": "failed", "h3": "unreachable", "h4": "skipped"}
        return TaskRun(task=task, spec=CallSpec("all", "command"), options=TaskOptions(ignore_errors=ignore_errors))

    assert run(False).bad_hosts() == ["h2", "h3"]
    assert run(True).bad_hosts() == ["h3"]  # ignore_errors does not cover unreachable hosts, as in Ansible


def test_a_template_reading_an_injected_fact_is_noted_for_the_deprecation():
    from ftl2_runner.executor.vars.conditions import holds, render

    store = HostVariables(lambda host: {}, {"ansible_pkg_mgr": "dnf"}, environ={})
    store.add_facts("h1", {"ansible_system": "Linux", "ansible_local": {}, "ansible_pkg_mgr": "apt", "ansible_os_family": "Debian"})
    store.set("h1", "ansible_os_family", "mine")  # set_fact wins: no longer the injected fact
    assert store.take_deprecated_reads("h1") == []
    assert render("{{ ansible_facts['system'] }}", store.of("h1")) == "Linux"
    assert store.take_deprecated_reads("h1") == []  # the recommended form
    for read in ("{{ ansible_local }}", "{{ ansible_pkg_mgr }}", "{{ ansible_os_family }}"):
        render(read, store.of("h1"))
        assert store.take_deprecated_reads("h1") == [], read  # exempt, or not the fact's value
    assert holds('ansible_system == "Linux"', store.of("h1")) is True
    assert store.take_deprecated_reads("h1") == ["injected_fact"]
    assert store.take_deprecated_reads("h1") == []  # taken once, by the result it belongs to


@pytest.mark.parametrize(
    ("environ", "top_level", "deprecated"),
    [
        ({}, True, True),
        ({"ANSIBLE_INJECT_FACT_VARS": "True"}, True, False),  # set on purpose: no nag
        ({"ANSIBLE_INJECT_FACT_VARS": "False"}, False, False),
        ({"ANSIBLE_DEPRECATION_WARNINGS": "False"}, True, True),  # hidden, but the result keeps its entry
    ],
)
def test_inject_facts_as_vars_and_deprecation_warnings_settings(environ, top_level, deprecated):
    from ftl2_runner.executor.vars.conditions import render

    store = HostVariables(lambda host: {}, {}, environ=environ)
    store.add_facts("h1", {"ansible_system": "Linux"})
    assert ("ansible_system" in store.of("h1")) is top_level
    assert store.of("h1")["ansible_facts"] == {"system": "Linux"}
    render("{{ ansible_facts.system }}{{ ansible_system | default('') }}", store.of("h1"))
    assert bool(store.take_deprecated_reads("h1")) is deprecated


def test_reading_vars_and_play_hosts_is_noted_in_reading_order():
    from ftl2_runner.executor.vars.conditions import holds, render
    from ftl2_runner.executor.vars.magic import PlayMagic

    store = HostVariables(lambda host: {}, {}, environ={})
    store.open_play(PlayMagic("p", ["h1"], ["h1"], set), {"colour": "blue"})
    assert render("{{ play_hosts | first }} {{ vars['colour'] }}", store.of("h1")) == "h1 blue"
    assert store.take_deprecated_reads("h1") == ["play_hosts", "vars"]
    assert holds("vars.colour == 'blue' and play_hosts", store.of("h1")) is True
    assert store.take_deprecated_reads("h1") == ["vars", "play_hosts"]
    render("{{ ansible_play_batch }} {{ inventory_hostname }}", store.of("h1"))
    assert store.take_deprecated_reads("h1") == []  # the recommended forms


def test_deprecation_warnings_off_hides_the_warning_not_the_results_entry():
    from ftl2_runner.executor.vars.conditions import render
    from ftl2_runner.executor.vars.magic import PlayMagic

    quiet = HostVariables(lambda host: {}, {}, environ={"ANSIBLE_DEPRECATION_WARNINGS": "False"})
    quiet.open_play(PlayMagic("p", ["h1"], ["h1"], set), {})
    render("{{ play_hosts }} {{ vars['inventory_hostname'] }}", quiet.of("h1"))
    assert quiet.take_deprecated_reads("h1") == ["play_hosts", "vars"]  # ansible-core 2.21 keeps them in the result
    assert quiet.deprecations_shown is False


def test_a_set_from_extra_vars_is_noted_once_for_the_job_where_first_read():
    from ftl2_runner.data.ansible_yaml import load
    from ftl2_runner.executor.vars.conditions import render

    extra = load("chosen: !!set {only: null}\nplain: [1]\n")
    store = HostVariables(lambda host: {}, extra, environ={})
    assert render("{{ plain }}", store.of("h1")) == [1]
    assert store.take_deprecated_reads("h1") == []
    assert render("{{ chosen }}", store.of("h1")) == ["only"]
    assert store.take_deprecated_reads("h1") == ["converted_set"]
    render("{{ chosen | first }}", store.of("h2"))
    assert store.take_deprecated_reads("h2") == []  # converted once, for the whole job
