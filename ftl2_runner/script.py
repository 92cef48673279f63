"""The names an FTL2 script may import from ftl2-runner: its one public, stable home.

Everything under ``ftl2_runner.executor`` is internal and may move between releases; scripts
import from here (or from ``ftl2_runner``, which re-exports these names lazily). This module
imports nothing heavy, so importing it never loads FTL2.

* :class:`TaskFailed` — raised into the script when a task failed on every host it ran on.
* :class:`Result` — what an awaited call on one host returns: the result Ansible would
  register (``stdout`` without its trailing newline, ``stdout_lines``, ``rc``, ``changed``,
  ``failed``...), readable as ``result["stdout"]`` or ``result.stdout``; and FTL2's
  ``ExecuteResult`` of the same call (``result.success``, ``result.output``, ``result.host``...).
* :class:`HostResults` — what a call on several hosts returns: FTL2's list of results, one per
  host, that is also Ansible's host name → :class:`Result` mapping.
* :class:`Runner` — the type of the ``runner`` argument of ``run()``, for annotations.
* :class:`UnsafeText` — an extra var AWX tagged ``!unsafe`` (survey answers, launch-time
  variables): a ``str`` whose text is never evaluated as a template (docs/scripts.md).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, Protocol, SupportsIndex, overload

from .data.unsafe import UnsafeText


class TaskFailed(Exception):
    """A task failed on every host it ran on; raised into the script like a failed play.

    The failure has already been reported as events, so the executor ends the job with
    the recap and rc 2 (or 4) instead of a traceback. A script may catch it to carry on:
    its hosts are then back in the play (so a clean-up in ``except`` runs on them), and
    the recap still counts the failure. ``runner.block(..., rescue=...)`` is the Ansible
    way, where a rescued failure is counted as ``rescued`` and the job can end rc 0.
    """

    ends_play = False  # True when any_errors_fatal/max_fail_percentage ended the play for every host

    def __init__(self, task_name: str, hosts: list[str], message: str):
        super().__init__(f"task {task_name!r} failed on {', '.join(hosts) or 'no host'}: {message}")
        self.task_name = task_name
        self.hosts = hosts
        self.message = message


# FTL2's ExecuteResult fields a Result answers as attributes (``changed`` is a key of both).
FTL2_FIELDS = ("success", "output", "error", "module", "host", "params", "duration", "timestamp", "used_ftl", "replayed")


class Result(dict[str, Any]):
    """One host's result of one task, as ``register:`` stores it in Ansible, and as FTL2 returns it.

    Its keys are Ansible's: always ``changed`` and ``failed``; a skipped task has ``skipped: True``
    and the ``false_condition``. Keys read as attributes too (``result.stdout``), as in a playbook.

    The result an awaited call returns also answers FTL2's ``ExecuteResult`` attributes of the
    same call — ``success``, ``output`` (the module's output as FTL2 returned it), ``error``,
    ``module``, ``host``, ``params``, ``duration``, ``timestamp``, ``used_ftl``, ``replayed`` —
    the very record ``ftl.results`` holds. Those names are FTL2's there (read a module's key of the
    same name as ``result["host"]``); on a result read back from the host's variables (``register``)
    they are plain keys, as in Ansible.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"result has no key {name!r}") from None

    def _ftl2(self, name: str) -> Any:
        record = self.__dict__.get("_ftl2_record")
        if record is None:
            raise AttributeError(name)  # Python then asks __getattr__: the key, as Ansible reads it
        return getattr(record, name)

    success = property(lambda self: self._ftl2("success"), doc="FTL2: the module succeeded (not failed, not unreachable)")
    output = property(lambda self: self._ftl2("output"), doc="FTL2: the module's output as FTL2 returned it")
    error = property(lambda self: self._ftl2("error"), doc="FTL2: the error message of a failure, else ''")
    module = property(lambda self: self._ftl2("module"), doc="FTL2: the module, as FTL2 records it")
    host = property(lambda self: self._ftl2("host"), doc="FTL2: the host the call ran for")
    params = property(lambda self: self._ftl2("params"), doc="FTL2: the call's arguments")
    duration = property(lambda self: self._ftl2("duration"), doc="FTL2: seconds the call took")
    timestamp = property(lambda self: self._ftl2("timestamp"), doc="FTL2: when the call started (epoch seconds)")
    used_ftl = property(lambda self: self._ftl2("used_ftl"), doc="FTL2: an FTL2 native module ran it")
    replayed = property(lambda self: self._ftl2("replayed"), doc="FTL2: replayed from an audit record")

    @property
    def succeeded(self) -> bool:
        """Ansible's ``result is succeeded``."""
        return not self.get("failed", False)


class HostResults(list[Result]):
    """The results of one call on several hosts: FTL2's list and Ansible's mapping at once.

    As FTL2's ``run_on`` list, it holds one :class:`Result` per host in the hosts' order: iterate
    it, index it, take its ``len``; each result has ``.host``, ``.success``, ``.output``... As
    Ansible's registered results of a group, it maps host names to results: ``results["web1"]``,
    ``results.get(...)``, ``.keys()``, ``.values()``, ``.items()``, ``"web1" in results``.
    """

    def __init__(self, results: Mapping[str, Result] | Iterable[tuple[str, Result]] = (), /, **by_host: Result):
        pairs = list(results.items()) if isinstance(results, Mapping) else list(results)
        pairs += list(by_host.items())
        super().__init__(result for _, result in pairs)
        self._by_host: dict[str, Result] = dict(pairs)

    @overload
    def __getitem__(self, key: SupportsIndex, /) -> Result: ...
    @overload
    def __getitem__(self, key: slice, /) -> list[Result]: ...
    @overload
    def __getitem__(self, key: str, /) -> Result: ...
    def __getitem__(self, key: SupportsIndex | slice | str, /) -> Result | list[Result]:
        if isinstance(key, str):
            return self._by_host[key]
        return super().__getitem__(key)

    def __contains__(self, item: object, /) -> bool:
        return item in self._by_host if isinstance(item, str) else super().__contains__(item)

    def __eq__(self, other: object, /) -> bool:
        if isinstance(other, Mapping):
            return self._by_host == dict(other)
        return super().__eq__(other)

    __hash__ = None

    def keys(self) -> KeysView[str]:
        return self._by_host.keys()

    def values(self) -> ValuesView[Result]:
        return self._by_host.values()

    def items(self) -> ItemsView[str, Result]:
        return self._by_host.items()

    def get(self, host: str, default: Any = None) -> Any:
        return self._by_host.get(host, default)

    @property
    def failed_hosts(self) -> list[str]:
        return [host for host, result in self._by_host.items() if result.get("failed")]

    @property
    def changed(self) -> bool:
        return any(result.get("changed") for result in self._by_host.values())

    def __repr__(self) -> str:
        return f"HostResults({self._by_host!r})"


class Runner(Protocol):
    """The ``runner`` object ``run(inventory_path, extravars, runner)`` receives (docs/scripts.md)."""

    inventory_path: str | None
    extravars: dict[str, Any]
    check_mode: bool
    verbosity: int
    limit: str | None
    default_hosts: str | None
    script_path: str

    def automation(self, **kwargs: Any) -> AbstractAsyncContextManager[Any]:
        """``ftl2.automation(...)`` wired to the job: every module call is an Ansible task."""
        ...

    def play(
        self,
        name: str | None = None,
        hosts: str | None = None,
        *,
        any_errors_fatal: bool = False,
        max_fail_percentage: float | None = None,
        vars: Mapping[str, Any] | None = None,
        vars_files: Iterable[Any] = (),
    ) -> AbstractContextManager[Any]:
        """``PLAY [name]``: the handle runs modules on the play's hosts; ``vars``/``vars_files`` are the play's."""
        ...

    def serial_play(
        self,
        name: str | None = None,
        hosts: str | None = None,
        *,
        serial: int | str | list[int | str] = 1,
        vars: Mapping[str, Any] | None = None,
        vars_files: Iterable[Any] = (),
    ) -> Iterator[Any]:
        """``serial:``: one play handle per batch of hosts."""
        ...

    def task(
        self,
        name: str | None = None,
        ignore_errors: bool = False,
        when: Any = None,
        tags: Iterable[str] | str = (),
        no_log: bool = False,
        register: str | None = None,
        changed_when: Any = None,
        failed_when: Any = None,
        *,
        vars: Mapping[str, Any] | None = None,
    ) -> AbstractContextManager[None]:
        """Ansible's task keywords for the calls made inside the block (``vars``: the task's variables)."""
        ...

    def loop(self, items: Iterable[Any], loop_var: str = "item") -> AsyncIterator[Any]:
        """``loop:``: the calls in the body form one task with one item result per call."""
        ...

    def block(
        self,
        body: Callable[[], Awaitable[Any]],
        rescue: Callable[[], Awaitable[Any]] | None = None,
        always: Callable[[], Awaitable[Any]] | None = None,
    ) -> Awaitable[None]:
        """``block:`` / ``rescue:`` / ``always:``."""
        ...

    def set_fact(self, hosts: str | None = None, **facts: Any) -> Awaitable[Any]:
        """``set_fact:``: variables of the hosts from now on."""
        ...

    def include_vars(self, file: str | None = None, hosts: str | None = None, **params: Any) -> Awaitable[Any]:
        """``include_vars:``: a file's (or ``dir=``'s) variables become the hosts' from now on."""
        ...

    def host_vars(self, host: str) -> dict[str, Any]:
        """Every variable ``host`` has now, with Ansible's precedence, rendered (a plain dict)."""
        ...

    @property
    def groups(self) -> dict[str, list[str]]:
        """Ansible's ``groups``: every group of the inventory with its hosts."""
        ...

    @property
    def hostvars(self) -> Mapping[str, Mapping[str, Any]]:
        """Ansible's ``hostvars``: host → its variables, each rendered when read."""
        ...

    def hosts_matching(self, pattern: str) -> list[str]:
        """Inventory hosts an Ansible host pattern selects (within ``--limit``)."""
        ...

    def emit_event(self, event: Mapping[str, Any]) -> str:
        """A custom event in the job output (any name; unknown ones are sent as ``verbose``)."""
        ...

    def warning(self, msg: str) -> None:
        """``[WARNING]: msg``."""
        ...

    def display(self, msg: str) -> None:
        """A line of output (a ``verbose`` event)."""
        ...


__all__ = ["HostResults", "Result", "Runner", "TaskFailed", "UnsafeText"]
