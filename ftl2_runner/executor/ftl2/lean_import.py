"""``import ftl2`` without the one part of it no job runs: httpx's command-line client.

FTL2 imports httpx (its ``uri``/``get_url`` modules), and httpx's ``__init__`` imports its
optional CLI, ``httpx._main``, whenever click, rich and pygments can be imported — which
they always can, being FTL2's own dependencies. That CLI pulls in click, rich and
pygments: about 90 of the 520 modules, and 80 ms of the 0.5 s that ``import ftl2`` takes
(docs/performance.md). The executor's ``import ftl2`` is on the critical path of every
small job, so it is done with that one module refused: httpx catches the ``ImportError``
itself and defines ``httpx.main`` as a function that says the CLI is not installed, which
is all that changes (nothing in FTL2 or a job calls ``httpx.main``; FTL2's installed files
are not touched). The refusal lasts only while FTL2 is imported, so a script that imports
``rich``, ``click`` or even ``httpx._main`` later gets them as usual.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
from collections.abc import Sequence
from types import ModuleType

REFUSED = "httpx._main"
_lock = threading.Lock()  # the warm-up thread and a job's first `import ftl2` may race


class _Refuse(importlib.abc.MetaPathFinder):
    """Makes ``import httpx._main`` raise ImportError (as when click, rich or pygments is missing)."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> None:
        if fullname == REFUSED:
            raise ImportError(f"{REFUSED} is not imported by ftl2-runner's executor", name=fullname)
        return None


def import_ftl2() -> None:
    """Import ``ftl2`` and ``ftl2.ftl_modules`` (what every job needs), httpx's CLI left out.

    A no-op once ``ftl2`` is in ``sys.modules``, even while another thread is still
    importing it: the caller's own ``import ftl2`` then waits for that import to finish.
    """
    with _lock:
        if "ftl2" in sys.modules:
            return
        refuse = _Refuse()
        sys.meta_path.insert(0, refuse)
    try:
        import ftl2  # noqa: F401
        import ftl2.ftl_modules  # noqa: F401
    finally:
        sys.meta_path.remove(refuse)
