"""Checks a fixture runs after the test body, reported as the test's failure (not a teardown error).

An assert in a fixture's teardown makes pytest report an ERROR "at teardown of" the test,
after its PASSED: easy to misread, and `-x` still counts the test as passed. A fixture
registers its check here instead; tests/conftest.py runs it as part of the test call.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

AFTER_TEST: pytest.StashKey[list[Callable[[], None]]] = pytest.StashKey()


def check_after_test(request: pytest.FixtureRequest, check: Callable[[], None]) -> None:
    """Run ``check()`` right after the test body; an assertion in it fails the test."""
    request.node.stash.setdefault(AFTER_TEST, []).append(check)
