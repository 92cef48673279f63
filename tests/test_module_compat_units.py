"""Fast checks of the leaf modules that make FTL2 results look like Ansible's (facts, diffs, shapes)."""

from __future__ import annotations

import asyncio
import json

import pytest

from ftl2_runner.executor.actions import facts, shaping
from ftl2_runner.executor.display import diff
from ftl2_runner.executor.display.diagnostics import origin_block
from ftl2_runner.executor.ftl2 import ansible_modules

pytestmark = pytest.mark.unit


def test_fact_cache_writes_ansible_core_2_21_entries(tmp_path):
    cache = facts.FactCache(str(tmp_path))
    cache.merge("web1", {"ansible_system": "Linux"})
    cache.merge("web1", {"ansible_os_family": "Debian"})
    text = (tmp_path / "s1_web1").read_text()
    assert json.loads(text) == {"__payload__": json.dumps({"ansible_system": "Linux", "ansible_os_family": "Debian"})}
    assert (tmp_path / "s1_web1").stat().st_mode & 0o777 == 0o644
    assert facts.cache_file_name("a/b") != "s1_a/b" and "/" not in facts.cache_file_name("a/b")
    cache.touch("other")
    assert (tmp_path / "s1_other").read_text() == '{"__payload__": "{}"}'


def test_setup_runs_as_a_package_module():
    out = asyncio.run(ansible_modules.run_local("setup", {"filter": ["ansible_system"]}))
    assert out["ansible_facts"] == {"ansible_system": "Linux"}, out


def test_diff_text_is_ansible_s_unified_diff():
    text = diff.render([{"before": "", "after": "hello\n", "after_header": "out/x.txt"}], lambda s, c: s)
    assert text == "--- before\n+++ after: out/x.txt\n@@ -0,0 +1 @@\n+hello\n\n"
    state = diff.render({"before": {"path": "/p", "state": "absent"}, "after": {"path": "/p", "state": "directory"}}, lambda s, c: s)
    assert '-    "state": "absent"\n+    "state": "directory"\n' in state


def test_invocation_is_dropped_below_vvv():
    out = {"changed": False, "invocation": {"module_args": {}}, "stat": {"exists": False}}
    assert "invocation" not in shaping.shape_result("stat", {}, out, None, None, verbosity=0)
    assert "invocation" in shaping.shape_result("stat", {}, out, None, None, verbosity=3)


def test_origin_block_right_aligns_line_numbers(tmp_path):
    script = tmp_path / "s.py"
    script.write_text("\n".join(f"line{i}" for i in range(1, 12)) + "\n")
    block = origin_block(str(script), 10, 1)
    assert block[2:5] == [" 8 line8", " 9 line9", "10 line10"]
