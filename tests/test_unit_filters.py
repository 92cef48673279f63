"""Ansible's builtin filters and tests in ftl2-runner's templating, against ansible-core's own answers.

The expected values are not written by hand: ``compat/templating_reference.py`` evaluated every
expression of ``compat/templating_table.py`` with ansible-core 2.21 (the compat reference venv) and
stored its answers, values and error messages, in ``tests/data/templating_reference.json``. Run
``uv run python -m compat.templating_reference`` to regenerate them after changing the table. Here
each expression is rendered as a task argument (``"{{ expression }}"``) by ftl2-runner and must give
the same type and value, or fail with the same message. The compat case ``filters_tests`` runs the
same table through both workers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from compat.templating_reference import FIXTURE, result_of
from compat.templating_table import ERRORS, FILTERS, TESTS
from ftl2_runner.executor.vars.conditions import ConditionError, render

_REFERENCE = json.loads(Path(FIXTURE).read_text(encoding="utf-8"))
ANSWERS: dict[str, Any] = _REFERENCE["answers"]


def _ours(expression: str) -> dict[str, Any]:
    try:
        return result_of(render("{{ " + expression + " }}", {}))
    except ConditionError as exc:
        return {"error": str(exc)}


def _rows(table: list[tuple[str, list[str]]]) -> list[Any]:
    return [pytest.param(expression, id=f"{name}: {expression}") for name, expressions in table for expression in expressions]


def test_the_fixture_covers_the_whole_table() -> None:
    expressions = [e for table in (FILTERS, TESTS, ERRORS) for _, exprs in table for e in exprs]
    assert sorted(ANSWERS) == sorted(set(expressions)), "run `uv run python -m compat.templating_reference`"
    assert _REFERENCE["ansible_core"] == "2.21.5"


@pytest.mark.parametrize("expression", _rows(FILTERS) + _rows(TESTS) + _rows(ERRORS))
def test_as_ansible_core_answers(expression: str) -> None:
    assert _ours(expression) == ANSWERS[expression]
