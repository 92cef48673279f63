"""What a lookup plugin is given and may use: the call (the host's variables, the template environment),
the job's settings, the running task's action and the renderer's file renderer.

Below the plugins (:mod:`.lookups`, :mod:`.lookups_controller`, :mod:`.lookups_variables`,
:mod:`.lookups_password`) and :mod:`.lookup_plugins`, which calls them.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2


@dataclass
class JobLookups:
    """What lookups need from the job, set once by the script runner: where a warning goes, the vault
    secrets (``file``/``unvault`` of a vaulted file), and the directory ``password`` may write under."""

    warn: Callable[[str], None] | None = None
    display: Callable[[str], None] | None = None
    secrets: list[Any] = field(default_factory=list)
    data_dir: str | None = None
    pending: dict[str, list[str]] = field(default_factory=dict)  # host -> warnings for its next result


job_lookups: contextvars.ContextVar[JobLookups | None] = contextvars.ContextVar("ftl2_runner_lookups", default=None)
# The action of the task whose template runs (``first_found`` searches templates/, vars/ or files/ by it).
current_action: contextvars.ContextVar[str] = contextvars.ContextVar("ftl2_runner_lookup_action", default="")


@dataclass
class LookupCall:
    """One lookup call: the host's variables the template reads, and the template environment."""

    variables: Mapping[str, Any]
    environment: jinja2.Environment
    job: JobLookups

    @property
    def playbook_dir(self) -> str:
        """ansible-core's loader basedir: the playbook's directory (the launched script's)."""
        try:
            value = self.variables.get("playbook_dir")
        except Exception:
            value = None
        return str(value or os.getcwd())

    def undefined(self, message: str) -> Any:
        return self.environment.undefined(hint=message)

    def warn(self, message: str) -> None:
        """A warning, where ansible-core puts it: in the result of the task whose template ran for a host,
        else (a template outside a host's task) on its own."""
        host = getattr(self.variables, "host", None)
        if isinstance(host, str):
            pending = self.job.pending.setdefault(host, [])
            if message not in pending:  # a task's templates may be rendered more than once; Display shows one
                pending.append(message)
        elif self.job.warn is not None:
            self.job.warn(message)


Plugin = Callable[..., list[Any]]


@dataclass(frozen=True)
class LookupPlugin:
    run: Plugin  # (terms, call, **options) -> list
    external: bool = False  # its result is read from outside the job: untrusted text
    accepts_undefined: bool = False  # gets undefined terms as they are (env's default, first_found)


FileRenderer = Callable[..., str]
_file_renderer: list[FileRenderer] = []


def use_file_renderer(renderer: FileRenderer) -> None:
    _file_renderer[:] = [renderer]


def render_file(path: str, variables: Mapping[str, Any], searchpath: list[str], **options: Any) -> str:
    """The renderer's own ``render_file`` (:mod:`.conditions`), for the ``template`` lookup: one renderer,
    handed down at :func:`install` because the renderer is the module that calls the lookups."""
    if not _file_renderer:
        raise LookupError("no template renderer is installed")
    return _file_renderer[0](path, variables, searchpath, **options)


def take_template_warnings(host: str) -> list[str]:
    """The warnings templates gave for ``host`` since its last result (and forget them)."""
    job = job_lookups.get()
    return job.pending.pop(host, []) if job is not None else []
