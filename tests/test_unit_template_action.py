"""template: one renderer for every host (the host's variables, Ansible's options), into the file Ansible's copy gets."""

from __future__ import annotations

import os
import re

import pytest

from ftl2_runner.executor.actions import template_action
from ftl2_runner.executor.actions.failures import CAUSE
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
