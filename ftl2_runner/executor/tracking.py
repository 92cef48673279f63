"""The old home of ``TaskFailed``, which docs once told scripts to import: it still works, with a warning.

The module-call tracking that lived here is ``ftl2_runner.executor.api.calls`` now.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "TaskFailed":
        import warnings

        from ..script import TaskFailed

        warnings.warn(
            "import TaskFailed from ftl2_runner.script; ftl2_runner.executor.tracking is internal", DeprecationWarning, stacklevel=2
        )
        return TaskFailed
    raise AttributeError(name)
