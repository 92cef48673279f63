"""The summary table (case, events, differing lines) and its place in docs/compat.md."""

from __future__ import annotations

from .allowances import DOC

_START, _END = "<!-- summary:start -->", "<!-- summary:end -->"


def summary_table(comparisons) -> str:
    rows = ["| case | events | differing lines | exit codes (ansible-runner / ftl2-runner) |", "| --- | ---: | ---: | --- |"]
    for c in comparisons:
        rows.append(f"| `{c.case.name}` | {c.events} | {c.differing_lines} | {c.reference.rc} / {c.ftl2.rc} |")
    return "\n".join(rows)


def write_summary(table: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(_START)
    _, _, tail = rest.partition(_END)
    DOC.write_text(f"{head}{_START}\n{table}\n{_END}{tail}", encoding="utf-8")
