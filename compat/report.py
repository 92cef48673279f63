"""The summary table (case, events, differing lines, exit codes) and its place in docs/compat.md.

The table is generated from the harness (``python -m compat --write-docs``) and checked by
the tests: every case the harness runs has a row, in the harness's order, and each row
says what that case's run measured (``tests/test_compat.py``), so the table cannot go stale.
"""

from __future__ import annotations

from .allowances import DOC

_START, _END = "<!-- summary:start -->", "<!-- summary:end -->"
_HEADER = ["| case | events | differing lines | exit codes (ansible-runner / ftl2-runner) |", "| --- | ---: | ---: | --- |"]


def summary_row(comparison) -> str:
    c = comparison
    return f"| `{c.case.name}` | {c.events} | {c.differing_lines} | {c.reference.rc} / {c.ftl2.rc} |"


def summary_table(rows: list[str]) -> str:
    """The table of :func:`summary_row` lines (a case skipped here keeps its documented row)."""
    return "\n".join(_HEADER + rows)


def documented_rows(text: str | None = None) -> dict[str, str]:
    """The table's rows in docs/compat.md, by case name, in document order."""
    text = DOC.read_text(encoding="utf-8") if text is None else text
    _, _, rest = text.partition(_START)
    table, _, _ = rest.partition(_END)
    rows: dict[str, str] = {}
    for line in table.strip().splitlines()[len(_HEADER) :]:
        name = line.split("|")[1].strip().strip("`")
        rows[name] = line.strip()
    return rows


def write_summary(table: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(_START)
    _, _, tail = rest.partition(_END)
    DOC.write_text(f"{head}{_START}\n{table}\n{_END}{tail}", encoding="utf-8")
