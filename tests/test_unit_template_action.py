"""template under --check/--diff: rendered as FTL2 renders it, predicted as Ansible's copy predicts."""

from __future__ import annotations

import asyncio
import os
import re

import pytest

from ftl2_runner.executor.actions import template_action
from ftl2_runner.executor.actions.shaping import PRESHAPED


@pytest.fixture
def source(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = tmp_path / "site.j2"
    path.write_text("name = {{ name }}\n{% if port %}port = {{ port }}\n{% endif %}")
    return path


def test_render_uses_the_call_s_variables_and_keeps_the_trailing_newline(source):
    assert template_action.render({"src": str(source), "dest": "/x", "mode": "0644", "name": "web", "port": 80}) == (
        "name = web\nport = 80\n"
    )
    with pytest.raises(FileNotFoundError):
        template_action.render({"src": str(source.parent / "missing.j2"), "dest": "/x"})


def test_rendered_file_is_named_as_ansible_names_it_and_removed(source, tmp_path):
    with template_action.rendered_file({"src": str(source), "name": "a", "port": 0}) as path:
        assert re.fullmatch(rf"{tmp_path}/home/\.ansible/tmp/ansible-local-{os.getpid()}\w+/tmp\w+/site\.j2", path), path
        assert open(path).read() == "name = a\n"
    assert not os.path.exists(os.path.dirname(os.path.dirname(path)))


def test_copy_arguments_name_the_file_inside_a_directory_dest(source, tmp_path):
    args = template_action.as_copy({"src": str(source), "dest": str(tmp_path), "mode": None, "name": "a"}, "/r/site.j2")
    assert args == {"dest": str(tmp_path / "site.j2"), "src": "/r/site.j2"}


def test_check_predicts_changed_then_the_unchanged_file_view(source, tmp_path):
    dest = tmp_path / "site.conf"
    params = {"src": str(source), "dest": str(dest), "name": "web", "port": 80}
    new = asyncio.run(template_action.check(params, with_diff=True))
    assert new["changed"] is True and not dest.exists()
    (entry,) = new["diff"]
    assert entry["before"] == "" and entry["after"] == "name = web\nport = 80\n"
    assert "/ansible-local-" in entry["after_header"] and entry["after_header"].endswith("/site.j2")
    dest.write_text("name = web\nport = 80\n")
    same = asyncio.run(template_action.check(params, with_diff=False))
    assert same["changed"] is False and same["dest"] == str(dest) and same["state"] == "file" and same[PRESHAPED]
    assert same["diff"] == []
