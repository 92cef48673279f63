"""The public script API: its names are pinned, and the old import path still works with a warning."""

from __future__ import annotations

import subprocess
import sys
import warnings

import pytest

import ftl2_runner
import ftl2_runner.script

pytestmark = pytest.mark.unit


def test_exported_members():
    assert ftl2_runner.script.__all__ == ["HostResults", "Result", "Runner", "TaskFailed", "UnsafeText"]
    for name in ftl2_runner.script.__all__:
        assert getattr(ftl2_runner, name) is getattr(ftl2_runner.script, name)
    assert sorted(ftl2_runner.__all__) == [
        "HostResults",
        "Result",
        "Runner",
        "TaskFailed",
        "UnsafeText",
        "__version__",
        "run",
        "run_worker",
    ]


def test_old_taskfailed_path_warns_and_is_the_same_class():
    import ftl2_runner.executor.tracking as tracking

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = tracking.TaskFailed
    assert old is ftl2_runner.script.TaskFailed
    assert [w.category for w in caught] == [DeprecationWarning]
    assert "ftl2_runner.script" in str(caught[0].message)


def test_script_api_does_not_import_ftl2():
    code = "import sys, ftl2_runner; ftl2_runner.TaskFailed; assert 'ftl2' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_package_ships_py_typed():
    from importlib.resources import files

    assert files("ftl2_runner").joinpath("py.typed").is_file()
