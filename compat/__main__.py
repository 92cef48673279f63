"""``uv run python -m compat [CASE ...] [--diff] [--write-docs]``: run the differential suite."""

from __future__ import annotations

import argparse
import sys

from . import allowances, harness, report
from .reference import ensure_reference_env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compat", description=__doc__)
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    parser.add_argument("--diff", action="store_true", help="print a side-by-side diff for differing cases")
    parser.add_argument("--unified", action="store_true", help="print unified diffs instead of side by side")
    parser.add_argument("--write-docs", action="store_true", help="write the summary table into docs/compat.md")
    args = parser.parse_args(argv)

    cases = harness.all_cases()
    if args.cases:
        cases = [c for c in cases if c.name in args.cases]
        missing = set(args.cases) - {c.name for c in cases}
        if missing:
            parser.error(f"no such case: {', '.join(sorted(missing))}")
    reference_bin = ensure_reference_env()
    ids = allowances.documented_ids()
    comparisons = []
    rows = []
    for case in cases:
        try:
            comparison = harness.run_case(case, reference_bin, ids)
        except harness.CaseSkipped as skip:
            print(f"{case.name:<28} skipped: {skip}", flush=True)
            kept = report.documented_rows().get(case.name)  # what it measured where it can run
            if kept is not None:
                rows.append(kept)
            continue
        comparisons.append(comparison)
        rows.append(report.summary_row(comparison))
        print(f"{case.name:<28} events={comparison.events:<4} differing lines={comparison.differing_lines}", flush=True)
        if (args.diff or args.unified) and comparison.differing_lines:
            lines = comparison.diff if args.unified else comparison.side_by_side()
            print("\n".join(lines))
    table = report.summary_table(rows)
    print()
    print(table)
    if args.write_docs:
        report.write_summary(table)
    return 0 if all(c.differing_lines == 0 for c in comparisons) else 1


if __name__ == "__main__":
    sys.exit(main())
