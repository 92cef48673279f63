"""Who runs which handler, in what order (unit tier): Ansible's rules for notify and flush."""

from __future__ import annotations

import pytest

from ftl2_runner.executor.tasks.handlers import Handler, PlayHandlers


async def _nothing() -> None:
    return None


def play_with(*handlers: Handler) -> PlayHandlers:
    play = PlayHandlers()
    for handler in handlers:
        play.define(handler)
    return play


def test_notices_go_host_by_host_in_notify_order_and_handlers_run_in_definition_order():
    play = play_with(Handler("restart app", _nothing), Handler("reload app", _nothing))
    play.notify("h1", ["restart app"])
    play.notify("h2", ["reload app", "restart app"])
    play.notify("h1", ["reload app", "restart app"])  # h1's second restart is the same notification
    flush = play.take(["h1", "h2", "h3"])
    assert flush.notices == [("h1", "restart app"), ("h1", "reload app"), ("h2", "reload app"), ("h2", "restart app")]
    assert [(h.name, hosts) for h, hosts in flush.runs] == [("restart app", ["h1", "h2"]), ("reload app", ["h1", "h2"])]
    assert not play.pending() and play.take(["h1"]).runs == []  # a flush forgets what it ran


def test_a_listen_topic_notifies_every_handler_that_listens():
    play = play_with(Handler("web", _nothing, listen=("restarts",)), Handler("db", _nothing, listen=("restarts",)), Handler("x", _nothing))
    play.notify("h2", ["restarts"])
    play.notify("h9", ["x"])  # a host outside the given order still runs, after the others
    flush = play.take(["h1", "h2"])
    assert flush.notices == [("h2", "web"), ("h2", "db"), ("h9", "x")]
    assert [(h.name, hosts) for h, hosts in flush.runs] == [("web", ["h2"]), ("db", ["h2"]), ("x", ["h9"])]


def test_a_name_no_handler_answers_is_an_error():
    play = play_with(Handler("web", _nothing))
    play.notify("h1", ["wbe"])
    with pytest.raises(LookupError, match="wbe"):
        play.take(["h1"])
