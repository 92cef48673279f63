"""Leave a finished process as ``sys.exit`` would, without the interpreter's teardown.

Finalising an interpreter walks and frees every module it loaded: 0.04-0.07 s for the
executor with FTL2 and asyncssh loaded, 20-30 ms for ``ftl2-runner process`` with
ansible_runner loaded. Of a round trip's processes, ``process`` exits last, so its teardown
is added to every job, and on a machine with two CPUs the others' take CPU from the job.
What a normal exit does that anyone can see is kept: non-daemon threads are waited for
(``join_threads``), atexit handlers run (upstream's ``register_for_cleanup``, logging's
flush), and every writer that still holds buffered data is flushed.
"""

from __future__ import annotations

import os
import threading
from typing import Any, NoReturn


def exit_without_teardown(rc: object, join_threads: bool = False) -> NoReturn:
    """``sys.exit(rc)`` minus the finalisation of modules and objects."""
    import atexit

    code = rc if isinstance(rc, int) else (0 if rc is None else 1)
    if join_threads:  # what Python's shutdown does before the atexit handlers
        for thread in threading.enumerate():
            if thread is not threading.current_thread() and not thread.daemon:
                thread.join()
    atexit._run_exitfuncs()
    # What finalisation would still have done that anyone can see: write out what is left
    # in the buffer of a file nobody closed (a script's, or sys.stdout's).
    for obj in _buffered_writers():
        try:
            if not obj.closed:
                obj.flush()
        except Exception:
            pass
    os._exit(code & 0xFF if code >= 0 else code % 256)


def _buffered_writers() -> list[Any]:
    """Every live text or buffered writer (what ``isinstance`` over ``gc.get_objects()`` finds).

    With FTL2 loaded there are about 50,000 objects: a Python loop testing each took 19-25 ms
    of CPU at the end of every job; selecting them by type in C (``map``, ``compress``), with only
    the few hundred distinct types tested in Python, takes 11-12 ms.
    """
    import gc
    import io
    import itertools

    objects = gc.get_objects()
    kinds = list(map(type, objects))
    writers = (io.TextIOWrapper, io.BufferedWriter, io.BufferedRandom)
    wanted = {kind for kind in set(kinds) if issubclass(kind, writers)}
    return list(itertools.compress(objects, map(wanted.__contains__, kinds)))
