"""Handlers: ``notify`` on a changed result, ``RUNNING HANDLER`` at the end of the play.

Ansible's rules, which this module keeps for one play: a task with ``notify`` notifies its
handlers for each host whose result is *changed* (not failed, not skipped); at the end of the
play (or at ``flush_handlers``) the notifications are announced host by host, in the order
they were made (``playbook_on_notify``, a handler once per host), then each notified handler
runs once, in the order the handlers were *defined*, on the hosts that notified it and are
still in the play. A name matches a handler's name or one of its ``listen`` topics.

This module decides who runs what; the task executor runs the handler bodies.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Handler:
    name: str
    body: Callable[[], Awaitable[Any]]
    listen: tuple[str, ...] = ()

    def answers(self, notified: str) -> bool:
        return notified == self.name or notified in self.listen


@dataclass
class Flush:
    """What a flush does: the notifications to announce, then the handlers to run, on their hosts."""

    notices: list[tuple[str, str]]  # (host, handler name), in Ansible's order
    runs: list[tuple[Handler, list[str]]]  # handler, hosts: in definition order


@dataclass
class PlayHandlers:
    """One play's handlers and the notifications waiting for them."""

    handlers: list[Handler] = field(default_factory=list)
    notified: dict[str, list[str]] = field(default_factory=dict)  # host -> names notified, in order
    last_task: Any = None  # the recorder's last task: notifications are announced in its context

    def define(self, handler: Handler) -> None:
        self.handlers.append(handler)

    def notify(self, host: str, names: Iterable[str]) -> None:
        self.notified.setdefault(host, []).extend(names)

    def pending(self) -> bool:
        return any(self.notified.values())

    def take(self, host_order: list[str]) -> Flush:
        """The flush due now (and forget the notifications). Raises ``LookupError`` for a name no handler answers."""
        notices: list[tuple[str, str]] = []
        hosts_of: dict[str, list[str]] = {}
        order = [h for h in host_order if h in self.notified] + [h for h in self.notified if h not in host_order]
        for host in order:
            for name in self.notified[host]:
                matching = [h for h in self.handlers if h.answers(name)]
                if not matching:
                    raise LookupError(name)
                for handler in matching:
                    hosts = hosts_of.setdefault(handler.name, [])
                    if host not in hosts:
                        hosts.append(host)
                        notices.append((host, handler.name))
        self.notified = {}
        runs = [(h, hosts_of[h.name]) for h in self.handlers if h.name in hosts_of]
        return Flush(notices, runs)


# The handler whose body is running: its calls are handler tasks (`RUNNING HANDLER [name]`).
running_handler: contextvars.ContextVar[Handler | None] = contextvars.ContextVar("ftl2_runner_handler", default=None)
