"""The ``ftl2-runner`` console script: the warm executor first, then the CLI.

A small job's critical path is the executor's ``import ftl2`` (0.4 s), which the warm
executor starts as soon as the worker runs (``warm_executor.py``). Importing the CLI
first (argparse, tempfile, typing, ansible_runner's cleanup options) put its start 40–50 ms
after the worker's exec; from here it starts about 10 ms after Python is up
(docs/performance.md). Everything else is ``cli.main``'s, unchanged.
"""

from __future__ import annotations

import sys

from .processes.warm_start import may_run_a_job


def console_main() -> None:
    """``main``, then leave without the interpreter's teardown.

    ``process``, the last process of a round trip to exit, spent 20-30 ms finalising
    ansible_runner's modules after its job was done (docs/performance.md).
    """
    if may_run_a_job(sys.argv[1:]):
        from .processes import early_signals

        early_signals.install()  # first: a cancel from here on ends with a status and eof (early_signals.py)
        from .processes import process_tree

        process_tree.claim_the_whole_process()  # every child of this process is the job's: orphans are reaped
        from .processes import warm_executor

        warm_executor.start()  # cli.worker_main discards it if no job claims it
    from .cli import main
    from .processes.quick_exit import exit_without_teardown

    exit_without_teardown(main(), join_threads=True)
