"""Ansible's linear strategy for hosts that fail: out of the play, unless a block rescues them.

Without a block, a host whose task failed (not ignored) runs nothing more in the play. Inside
``runner.block(body, rescue=..., always=...)`` its failure ends only the *body* for it: the
rescue section then runs on the hosts that failed in the body (their failure is counted as
``rescued`` instead of ``failed``, and a job whose failures were all rescued ends rc 0); the
always section runs on every host of the block; only hosts whose failure nothing rescued leave
the play after it. A block's sections see ``ansible_failed_task``/``ansible_failed_result``
as Ansible's rescue does.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass
class BlockScope:
    """The hosts one section of a block runs on, and those that failed in it."""

    hosts: set[str] | None  # None: every host of the play
    rescuable: bool = False  # failures here are rescued (the block has a rescue section)
    failed: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)  # hosts a task of this section ran on
    parent: BlockScope | None = None


current_block: contextvars.ContextVar[BlockScope | None] = contextvars.ContextVar("ftl2_runner_block", default=None)


class PlayHosts:
    """Which hosts are still in the play (job-wide: a host out of one play is out of the job's plays)."""

    def __init__(self) -> None:
        self.out_of_play: set[str] = set()
        # `meta:` — hosts whose play ended (end_host), the batch or the play ended for every host
        # (end_batch, end_play), and failed hosts back in the job from the next play on (clear_host_errors).
        self.ended: set[str] = set()
        self.batch_over = False
        self.play_over = False
        self.cleared: set[str] = set()

    def new_batch(self) -> None:
        """A play (or a ``serial`` batch) starts: ``end_host``/``end_batch`` were the last one's; hosts whose
        errors ``clear_host_errors`` cleared are back."""
        self.ended.clear()
        self.batch_over = False
        self.out_of_play -= self.cleared
        self.cleared.clear()

    def new_play(self) -> None:
        self.new_batch()
        self.play_over = False

    def select(self, hosts: list[str], fail_fast: bool = True) -> list[str]:
        """The hosts of a target a task runs on: not out of the play, inside the current block section."""
        if self.batch_over or self.play_over:
            return []
        excluded = set(self.out_of_play) | self.ended if fail_fast else set(self.ended)
        allowed: set[str] | None = None
        block = current_block.get()
        while block is not None:
            excluded |= block.failed
            if block.hosts is not None:
                allowed = set(block.hosts) if allowed is None else allowed & block.hosts
            block = block.parent
        chosen = [h for h in hosts if h not in excluded and (allowed is None or h in allowed)]
        block = current_block.get()
        while block is not None:
            block.seen.update(chosen)
            block = block.parent
        return chosen

    def rescuable(self) -> bool:
        block = current_block.get()
        return block is not None and block.rescuable

    def fail(self, hosts: list[str]) -> None:
        """Hosts that failed a task: out of the current block section, else out of the play."""
        block = current_block.get()
        if block is not None:
            block.failed.update(hosts)
        else:
            self.out_of_play.update(hosts)

    def readmit(self, hosts: list[str]) -> None:
        """A script caught ``TaskFailed``: the hosts are the script's to handle again."""
        block = current_block.get()
        if block is not None:
            block.failed.difference_update(hosts)
        else:
            self.out_of_play.difference_update(hosts)

    async def run_block(
        self,
        hosts: list[str] | None,
        body: Callable[[], Awaitable[object]],
        rescue: Callable[[], Awaitable[object]] | None,
        always: Callable[[], Awaitable[object]] | None,
        all_failed: Callable[[list[str]], BaseException],
    ) -> None:
        """Run a block's sections on the right hosts; raise ``all_failed(hosts)`` if none survives.

        ``hosts`` are the play's hosts, or None outside a play (every host a task names).
        """
        from ...script import TaskFailed

        parent = current_block.get()
        body_scope = BlockScope(set(hosts) if hosts is not None else None, rescuable=rescue is not None, parent=parent)
        await _section(body_scope, body, swallow=(TaskFailed,))
        block_hosts = set(hosts) if hosts is not None else set(body_scope.seen)
        still_failed = set(body_scope.failed)
        if rescue is not None and body_scope.failed:
            rescue_scope = BlockScope(set(body_scope.failed), parent=parent)
            await _section(rescue_scope, rescue, swallow=(TaskFailed,))
            still_failed = set(rescue_scope.failed)
        if always is not None:
            always_scope = BlockScope(set(block_hosts) if hosts is not None else None, parent=parent)
            await _section(always_scope, always, swallow=(TaskFailed,))
            still_failed |= always_scope.failed
            block_hosts |= always_scope.seen
        if still_failed:
            self.fail(sorted(still_failed))
            if block_hosts and still_failed >= block_hosts:
                raise all_failed(sorted(still_failed))


async def _section(scope: BlockScope, section: Callable[[], Awaitable[object]], swallow: tuple[type[BaseException], ...]) -> None:
    """Run one section with ``scope``; a ``TaskFailed`` ends the section (its hosts are in ``scope.failed``)."""
    token = current_block.set(scope)
    try:
        await section()
    except swallow as exc:
        scope.failed.update(getattr(exc, "hosts", ()) or ())
    finally:
        current_block.reset(token)
