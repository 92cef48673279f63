"""``import ftl2`` in the executor leaves out httpx's CLI, and nothing else (unit tier).

Each check runs in a fresh interpreter: whether ``ftl2`` is already imported is the
point, and this test process may have imported it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit


def _fresh(code: str) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_ftl2_is_imported_without_httpx_cli_and_the_finder_is_gone():
    seen = _fresh(
        "import json, sys\n"
        "import ftl2_runner\n"  # the package adds its own finder (old module paths) when imported
        "before = list(sys.meta_path)\n"
        "from ftl2_runner.executor.ftl2.lean_import import import_ftl2\n"
        "import_ftl2()\n"
        "import httpx\n"
        "print(json.dumps({'ftl2': 'ftl2.ftl_modules' in sys.modules, 'cli': 'httpx._main' in sys.modules,\n"
        "  'rich': 'rich' in sys.modules, 'click': 'click' in sys.modules, 'pygments': 'pygments' in sys.modules,\n"
        "  'finders_restored': sys.meta_path == before, 'main_is_httpx_stub': httpx.main.__module__ == 'httpx'}))"
    )
    assert seen == {
        "ftl2": True,
        "cli": False,
        "rich": False,
        "click": False,
        "pygments": False,
        "finders_restored": True,
        "main_is_httpx_stub": True,  # httpx's own fallback for a missing CLI
    }


def test_a_script_can_still_import_what_was_left_out():
    seen = _fresh(
        "import json, sys\n"
        "from ftl2_runner.executor.ftl2.lean_import import import_ftl2\n"
        "import_ftl2()\n"
        "import rich.console, httpx._main\n"
        "print(json.dumps({'rich': 'rich.console' in sys.modules, 'cli': 'httpx._main' in sys.modules}))"
    )
    assert seen == {"rich": True, "cli": True}


def test_a_plain_import_of_ftl2_does_import_httpx_cli():
    """The control: without the executor's import, FTL2 does pull httpx's CLI in (else this module is moot)."""
    seen = _fresh("import json, sys\nimport ftl2\nprint(json.dumps({'cli': 'httpx._main' in sys.modules, 'rich': 'rich' in sys.modules}))")
    assert seen == {"cli": True, "rich": True}


def test_a_second_call_does_nothing_once_ftl2_is_imported():
    seen = _fresh(
        "import json, sys\n"
        "import ftl2, ftl2_runner\n"
        "before = list(sys.meta_path)\n"
        "from ftl2_runner.executor.ftl2.lean_import import import_ftl2\n"
        "import_ftl2()\n"
        "print(json.dumps({'same': sys.meta_path == before, 'cli': 'httpx._main' in sys.modules}))"
    )
    assert seen == {"same": True, "cli": True}
