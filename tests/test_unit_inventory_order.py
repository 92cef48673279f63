"""Host order in a nested inventory is ansible-core's: ``ungrouped`` first, then the group tree level by level.

Each expectation was read from ansible-core 2.21.5 on the same inventory (``groups['all']``,
``groups['app']``, a play's ``ansible_play_hosts_all``; compat case ``inventory_order`` compares
them in a job).
"""

from __future__ import annotations

from pathlib import Path

from ftl2_runner.inventory.sources import load

NESTED_INI = """\
u1

[app_east]
a1

[app]
a2

[app:children]
app_east

[db]
d1
"""


def _inventory(tmp_path: Path, text: str, name: str = "hosts") -> object:
    path = tmp_path / name
    path.write_text(text)
    return load(str(path))


def test_all_lists_top_level_groups_hosts_before_a_nested_groups(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path, NESTED_INI)
    assert inventory.hosts_in("all") == ["u1", "a2", "d1", "a1"]  # type: ignore[attr-defined]
    assert inventory.match("all") == ["u1", "a2", "d1", "a1"]  # type: ignore[attr-defined]
    assert inventory.match("*:!u1") == ["a2", "d1", "a1"]  # type: ignore[attr-defined]
    assert inventory.match("all[1:2]") == ["a2", "d1"]  # type: ignore[attr-defined]


def test_a_group_lists_its_own_hosts_before_its_childrens(tmp_path: Path) -> None:
    inventory = _inventory(tmp_path, NESTED_INI)
    assert inventory.hosts_in("app") == ["a2", "a1"]  # type: ignore[attr-defined]


def test_an_awx_inventory_script_keeps_its_group_order(tmp_path: Path) -> None:
    script = tmp_path / "awx_inventory.py"
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import json, sys\n"
        "print(json.dumps({'all': {'children': ['web', 'ungrouped']},\n"
        "  'web': {'children': ['web_east'], 'hosts': ['w9']},\n"
        "  'web_east': {'hosts': ['w1']},\n"
        "  'ungrouped': {'hosts': ['lone']},\n"
        "  '_meta': {'hostvars': {}}}))\n"
    )
    script.chmod(0o700)
    inventory = load(str(script))
    # ansible-core made ungrouped all's first child before reading the source
    assert inventory.hosts_in("all") == ["lone", "w9", "w1"]
    assert inventory.hosts_in("web") == ["w9", "w1"]
