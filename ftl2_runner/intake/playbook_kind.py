"""Tells an FTL2 script from an Ansible playbook and from a launcher.

AWX only offers ``*.yml`` names, so FTL2 scripts often carry a YAML extension; and AWX
still sends real playbooks (project updates, jobs on templates not migrated yet). The
file's content decides: valid Python is an FTL2 script (a ``hosts: all`` first line, which
makes AWX list it, is valid Python); a YAML playbook naming ``ftl2_script`` in a play's
vars is a launcher (``ftl2_runner.intake.launcher``) that the executor runs; any other YAML list
of mappings is a playbook.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PYTHON, ANSIBLE, LAUNCHER, UNKNOWN, MISSING = "python", "ansible", "launcher", "unknown", "missing"
LAUNCHER_KEY = "ftl2_script"  # the play var that makes a playbook a launcher


def playbook_kind(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except (OSError, UnicodeDecodeError):
        return MISSING
    try:
        compile(source, path, "exec", dont_inherit=True)
        return PYTHON
    except (SyntaxError, ValueError):
        pass
    import yaml

    from ..data import ansible_yaml

    try:
        data = ansible_yaml.load(source)
    except yaml.YAMLError:
        return UNKNOWN
    if mentions_launcher_key(data):
        return LAUNCHER
    if isinstance(data, list) and data and all(isinstance(play, dict) for play in data):
        return ANSIBLE
    return UNKNOWN


def mentions_launcher_key(data: Any) -> bool:
    """Whether a loaded playbook names ``ftl2_script`` in any play (so it is meant as a launcher)."""
    if not isinstance(data, list):
        return False
    for play in data:
        if isinstance(play, Mapping):
            play_vars = play.get("vars")
            if LAUNCHER_KEY in play or (isinstance(play_vars, Mapping) and LAUNCHER_KEY in play_vars):
                return True
    return False
