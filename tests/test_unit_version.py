"""One version: pyproject.toml's ``project.version``, read from the package metadata everywhere.

``ftl2_runner.__version__``, ``ftl2-runner --version``, ``ftl2-runner worker --version`` and the
``runner_version`` AWX records from ``--worker-info`` all come from ``importlib.metadata``
(tests/test_cli.py checks the console scripts against ``__version__``); a release moves the
number in pyproject.toml and gives CHANGELOG.md a section of that name.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import ftl2_runner

ROOT = Path(__file__).resolve().parent.parent


def test_version_is_pyprojects():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project.get("dynamic", [])
    assert ftl2_runner.__version__ == project["version"]  # `uv sync` after a bump refreshes the metadata


def test_changelog_has_a_section_for_the_version():
    headings = [line[3:].strip() for line in (ROOT / "CHANGELOG.md").read_text().splitlines() if line.startswith("## ")]
    assert headings[0] == "Unreleased"
    assert ftl2_runner.__version__ in headings
