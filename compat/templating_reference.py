"""ansible-core's own answers for every expression of ``compat/templating_table.py``.

Run ``uv run python -m compat.templating_reference`` after changing the table (or the pinned
ansible-core): it evaluates each expression with ansible-core 2.21's ``Templar`` in the compat
reference venv (never in ftl2-runner's environment, where ansible-core cannot be installed) and

* writes ``tests/data/templating_reference.json``, the expected values of ``tests/test_unit_filters.py``;
* writes the compat case ``compat/cases/filters_tests`` (playbook, script, inventory) from the same
  table, so the case and the unit tier always cover the same expressions.

The same file, run by the reference venv's Python with ``--evaluate``, is the part that imports
ansible: it reads the expressions as JSON on stdin and prints the answers as JSON.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "data" / "templating_reference.json"
CASE = ROOT / "compat" / "cases" / "filters_tests"


def encode(value: Any) -> Any:
    """A template's result as JSON that keeps what a reader of the output can tell apart.

    ``int``/``float``/``bool``/``None``/``str`` are JSON's own; lists and tuples are both lists (Ansible
    gives lists); a ``datetime`` is tagged, and anything else is tagged with its type's name.
    """
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return {f"__{_type_name(value)}__": value.isoformat()}
    if isinstance(value, dict):
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return {"__type__": type(value).__name__, "str": str(value)}


def result_of(value: Any) -> dict[str, Any]:
    return {"type": _type_name(value), "value": encode(value)}


def _type_name(value: Any) -> str:
    for kind in (bool, int, float, str, list, tuple, dict, datetime.datetime, datetime.date):
        if isinstance(value, kind):
            return "list" if kind is tuple else kind.__name__
    return "NoneType" if value is None else type(value).__name__


def _evaluate(expressions: list[str]) -> dict[str, Any]:  # runs in the reference venv only
    import warnings

    warnings.simplefilter("ignore")
    from ansible._internal._errors import _error_utils
    from ansible.parsing.dataloader import DataLoader
    from ansible.template import Templar, trust_as_template

    templar = Templar(loader=DataLoader(), variables={})
    answers: dict[str, Any] = {}
    for expression in expressions:
        try:
            answers[expression] = result_of(templar.template(trust_as_template("{{ " + expression + " }}")))
        except Exception as exc:
            answers[expression] = {"error": _error_utils.format_exception_message(exc)}
    return answers


def _table() -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    from .templating_table import ERRORS, FILTERS, TESTS

    return FILTERS, TESTS, ERRORS


def _in_case(expression: str) -> bool:
    from .templating_table import NOT_IN_CASE

    return expression not in NOT_IN_CASE


def _write_case(
    filters: list[tuple[str, list[str]]], tests: list[tuple[str, list[str]]], errors: list[tuple[str, list[str]]], answers: dict[str, Any]
) -> None:
    """One ``debug`` task a plugin with the values of its expressions as a list; one ignored failing task
    an expression ansible-core refuses (a failing template fails its whole task)."""
    import yaml

    tasks: list[dict[str, Any]] = []
    calls: list[str] = []
    refused: list[tuple[str, list[str]]] = []
    for kind, rows in (("filter", filters), ("test", tests)):
        for name, expressions in rows:
            values = [e for e in expressions if "error" not in answers[e] and _in_case(e)]
            refused.append((f"{kind} {name}", [e for e in expressions if "error" in answers[e] and _in_case(e)]))
            if not values:
                continue
            msg = "{{ [" + ", ".join(values) + "] }}"
            tasks.append({"name": f"{kind} {name}", "debug": {"msg": msg}})
            calls.append(f"        with runner.task({f'{kind} {name}'!r}):\n            await ftl.targets.debug(msg={msg!r})\n")
    for name, expressions in refused + errors:
        for number, expression in enumerate(filter(_in_case, expressions), 1):
            msg = "{{ " + expression + " }}"
            task_name = f"error {name} {number}"
            tasks.append({"name": task_name, "debug": {"msg": msg}, "ignore_errors": True})
            calls.append(
                f"        with runner.task({task_name!r}, ignore_errors=True):\n            await ftl.targets.debug(msg={msg!r})\n"
            )
    CASE.mkdir(parents=True, exist_ok=True)
    header = "# Generated by `uv run python -m compat.templating_reference` from compat/templating_table.py.\n"
    play = [{"hosts": "targets", "gather_facts": False, "tasks": tasks}]
    (CASE / "playbook.yml").write_text(header + yaml.safe_dump(play, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")
    script = (
        header
        + "async def run(inventory_path, extravars, runner):\n"
        + "    async with runner.automation() as ftl:\n"
        + "".join(calls)
        + "    return 0\n"
    )
    (CASE / "script.py").write_text(script, encoding="utf-8")
    (CASE / "inventory").write_text("[targets]\nh1 ansible_connection=local\n", encoding="utf-8")


def main() -> int:
    from .reference import ANSIBLE_CORE_VERSION, ensure_reference_env

    filters, tests, errors = _table()
    expressions = [e for rows in (filters, tests, errors) for _, exprs in rows for e in exprs]
    python = ensure_reference_env() / "python"
    done = subprocess.run(
        [str(python), str(Path(__file__).resolve()), "--evaluate"],
        input=json.dumps(expressions),
        capture_output=True,
        text=True,
        check=True,
    )
    answers = json.loads(done.stdout)
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    document = {"ansible_core": ANSIBLE_CORE_VERSION, "answers": answers}
    FIXTURE.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    _write_case(filters, tests, errors, answers)
    print(f"{len(answers)} expressions: {FIXTURE.relative_to(ROOT)}, {CASE.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--evaluate"]:
        json.dump(_evaluate(json.load(sys.stdin)), sys.stdout)
        sys.exit(0)
    sys.exit(main())
