"""template: one renderer for every host (the host's variables, Ansible's options), predicted as Ansible's copy predicts."""

from __future__ import annotations

import asyncio
import os
import re

import pytest

from ftl2_runner.executor.actions import template_action
from ftl2_runner.executor.actions.failures import CAUSE
from ftl2_runner.executor.actions.shaping import PRESHAPED
from ftl2_runner.executor.vars.variables import HostVariables


@pytest.fixture
def source(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = tmp_path / "site.j2"
    path.write_text("name = {{ name }}\n{% if port %}\nport = {{ port }}\n{% endif %}\n")
    return path


def _variables(tmp_path, **values):
    plane = HostVariables(lambda host: values, {}, {"playbook_dir": str(tmp_path)})
    return plane.of("web1")


def test_render_uses_the_host_s_variables_and_the_call_s_and_ansible_s_options(source, tmp_path):
    variables = _variables(tmp_path, name="web", port=80, app="shop", app_dir="/srv/{{ app }}")
    rendered = template_action.render({"src": str(source), "dest": "/x", "mode": "0644"}, variables)
    assert rendered.text == "name = web\nport = 80\n" and rendered.source == str(source)  # trim_blocks, trailing newline
    assert template_action.render({"src": str(source), "dest": "/x", "name": "kw", "port": 0}, variables).text == "name = kw\n"
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "app.j2").write_text("{{ app_dir }} {{ template_path }} {{ ansible_managed }}\n")
    found = template_action.render({"src": "app.j2", "dest": "/x"}, variables)  # under the playbook's templates/
    assert found.text == "/srv/shop app.j2 Ansible managed\n"


def test_an_undefined_variable_fails_with_the_template_as_the_cause(source, tmp_path):
    with pytest.raises(template_action.TemplateFailed) as failed:
        template_action.render({"src": str(source), "dest": "/x"}, _variables(tmp_path, port=1))
    result = failed.value.result()
    assert result["msg"] == "Task failed: 'name' is undefined" and result["failed"] is True
    assert result[CAUSE] == f"'name' is undefined\nOrigin: {source}"
    with pytest.raises(template_action.TemplateFailed, match="Could not find or access 'missing.j2'"):
        template_action.render({"src": "missing.j2", "dest": "/x"}, _variables(tmp_path))


def test_rendered_file_is_named_as_ansible_names_it_and_removed(source, tmp_path):
    rendered = template_action.render({"src": str(source), "dest": "/x"}, _variables(tmp_path, name="a", port=0))
    with template_action.rendered_file({}, rendered) as path:
        assert re.fullmatch(rf"{tmp_path}/home/\.ansible/tmp/ansible-local-{os.getpid()}\w+/tmp\w+/site\.j2", path), path
        assert open(path).read() == "name = a\n"
    assert not os.path.exists(os.path.dirname(os.path.dirname(path)))


def test_copy_arguments_name_the_file_inside_a_directory_dest(source, tmp_path):
    args = template_action.as_copy({"src": str(source), "dest": str(tmp_path), "mode": None, "name": "a"}, "/r/site.j2")
    assert args == {"dest": str(tmp_path / "site.j2"), "src": "/r/site.j2"}


def test_check_predicts_changed_then_the_unchanged_file_view(source, tmp_path):
    dest = tmp_path / "site.conf"
    params = {"src": str(source), "dest": str(dest)}
    variables = _variables(tmp_path, name="web", port=80)
    new = asyncio.run(template_action.check(params, variables, with_diff=True))
    assert new["changed"] is True and not dest.exists()
    (entry,) = new["diff"]
    assert entry["before"] == "" and entry["after"] == "name = web\nport = 80\n"
    assert "/ansible-local-" in entry["after_header"] and entry["after_header"].endswith("/site.j2")
    dest.write_text("name = web\nport = 80\n")
    same = asyncio.run(template_action.check(params, variables, with_diff=False))
    assert same["changed"] is False and same["dest"] == str(dest) and same["state"] == "file" and same[PRESHAPED]
    assert same["diff"] == []
