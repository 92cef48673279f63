import os
import sys

# Test helpers live next to the tests (tests/streams.py).
sys.path.insert(0, os.path.dirname(__file__))
# The compat harness is a top-level package of the repository.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("FTL2_TELEMETRY", "off")

import pytest  # noqa: E402  (after the path set-up above)
from after_test import AFTER_TEST  # noqa: E402


@pytest.fixture(autouse=True)
def _unsafe_texts_are_per_test():
    """The unsafe texts a job remembers (ftl2_runner.data.unsafe) are per process: one job's, not every test's."""
    yield
    from ftl2_runner.data.unsafe import forget_protected_texts

    forget_protected_texts()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Run the checks fixtures registered with ``after_test.check_after_test`` as part of the test."""
    result = yield
    for check in item.stash.get(AFTER_TEST, []):
        check()
    return result


# --- test tiers (CONTRIBUTING.md) -------------------------------------------------------------
# Every test gets exactly one tier marker. A module may set its own (`pytestmark = pytest.mark.unit`);
# tests/test_unit_*.py are unit tests; the rest are assigned here by module, and anything not
# listed is e2e (real console scripts and processes), the safe default for a new module.
TIERS = ("unit", "e2e", "compat", "awx", "ssh", "receptor", "ee")
_MODULE_TIERS = {
    "test_awx_receiver": "unit",
    "test_config": "unit",
    "test_executor_args": "unit",
    "test_formatting": "unit",
    "test_inventory": "unit",
    "test_protocol": "unit",
    "test_compat": "compat",
    "test_ssh": "ssh",
    "test_remote_first_contact": "ssh",
    "test_real_receptor": "receptor",
    "test_ee": "ee",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        marked = [tier for tier in TIERS if item.get_closest_marker(tier) is not None]
        if len(marked) > 1:
            raise pytest.UsageError(f"{item.nodeid} has more than one tier marker: {marked}")
        if marked:
            continue
        module = item.module.__name__.rpartition(".")[2] if item.module is not None else ""
        tier = "unit" if module.startswith("test_unit_") else _MODULE_TIERS.get(module, "e2e")
        item.add_marker(getattr(pytest.mark, tier))
