"""Old module paths keep working for a release (with a warning); the public names never moved.

``ftl2_runner.old_paths`` maps each module path the room layout changed to its new home. An old
path must give the very module object of the new one (so ``monkeypatch`` on either is the same
patch) and a ``DeprecationWarning`` that names the new path and points at the importing line.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import pytest

from ftl2_runner.old_paths import MOVED

ROOT = Path(__file__).resolve().parent.parent


def _file_of(module: str) -> Path:
    return ROOT / (module.replace(".", "/") + ".py")


def test_every_old_path_is_gone_and_every_new_one_exists():
    for old, new in MOVED.items():
        assert not _file_of(old).exists() and not _file_of(old).with_suffix("").is_dir(), f"{old} is still a real module"
        assert _file_of(new).is_file(), f"{new} does not exist"


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_path_is_the_new_module_with_a_warning(old):
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(old)
    assert module is importlib.import_module(MOVED[old])
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(deprecations) == 1 and MOVED[old] in str(deprecations[0].message)
    assert deprecations[0].filename == __file__  # the importer's line, not importlib's or ours


def test_from_import_of_an_old_submodule_warns_where_it_is_written():
    code = "from ftl2_runner.executor import events\nimport ftl2_runner.executor.display.events as new\nprint(events is new)\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "True\n", done.stderr
    # Python shows DeprecationWarnings raised by __main__'s own lines: the old path is visible by default.
    assert "<string>:1: DeprecationWarning: ftl2_runner.executor.events is now ftl2_runner.executor.display.events" in done.stderr


def test_a_name_that_never_existed_still_fails():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("ftl2_runner.executor.no_such_module")


def test_public_names_did_not_move():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none of these may warn
        import ftl2_runner
        import ftl2_runner.script
        from ftl2_runner.worker import run_worker  # the seed README's entry point

        assert callable(ftl2_runner.run) and callable(ftl2_runner.run_worker) and callable(run_worker)
        assert ftl2_runner.TaskFailed is ftl2_runner.script.TaskFailed
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"ftl2-runner": "ftl2_runner.console:console_main", "ftl2-playbook": "ftl2_runner.executor.__main__:playbook_main"}
    for target in scripts.values():
        module, _, name = target.partition(":")
        assert callable(getattr(importlib.import_module(module), name))
