"""The compat masker: what it hides differs between any two runs, nothing else."""

from __future__ import annotations

from compat import normalize


def _event(event, host, task="t1"):
    return {"event": event, "event_data": {"task_uuid": task, "host": host}}


def _order(records):
    return [(r["event"], r["event_data"]["host"]) for r in records]


def test_a_host_s_diff_stays_with_its_result_when_results_are_put_in_host_order():
    completion_order = [
        _event("runner_on_file_diff", "web2"),
        _event("runner_on_ok", "web2"),
        _event("runner_on_file_diff", "web1"),
        _event("runner_on_ok", "web1"),
        _event("runner_on_ok", "web3"),  # no diff for this one
    ]
    assert _order(normalize.sort_host_results(completion_order)) == [
        ("runner_on_file_diff", "web1"),
        ("runner_on_ok", "web1"),
        ("runner_on_file_diff", "web2"),
        ("runner_on_ok", "web2"),
        ("runner_on_ok", "web3"),
    ]


def test_loop_items_keep_their_order_per_host_and_tasks_stay_apart():
    records = [
        _event("runner_on_file_diff", "b"),
        _event("runner_item_on_ok", "b"),
        _event("runner_on_file_diff", "a"),
        _event("runner_item_on_ok", "a"),
        _event("runner_on_file_diff", "b"),
        _event("runner_item_on_ok", "b"),
        _event("runner_on_ok", "b"),
        _event("runner_on_ok", "a"),
        {"event": "playbook_on_task_start", "event_data": {"task_uuid": "t2"}},
        _event("runner_on_ok", "z", "t2"),
        _event("runner_on_ok", "y", "t2"),
    ]
    out = normalize.sort_host_results(records)
    assert _order(out[:8]) == [
        ("runner_on_file_diff", "a"),
        ("runner_item_on_ok", "a"),
        ("runner_on_ok", "a"),
        ("runner_on_file_diff", "b"),
        ("runner_item_on_ok", "b"),
        ("runner_on_file_diff", "b"),
        ("runner_item_on_ok", "b"),
        ("runner_on_ok", "b"),
    ]
    assert out[8]["event"] == "playbook_on_task_start"
    assert _order(out[9:]) == [("runner_on_ok", "y"), ("runner_on_ok", "z")]


def test_the_local_temporary_directory_is_masked_but_the_file_name_is_not():
    masker = normalize.Masker([])
    a = masker.value("+++ after: /home/u/.ansible/tmp/ansible-local-2048kc2l3l3_/tmp51wxbxef/greeting.j2")
    b = masker.value("+++ after: /home/u/.ansible/tmp/ansible-local-77abc_d/tmpzz9/greeting.j2")
    assert a == b == "+++ after: /home/u/.ansible/tmp/ansible-local-<tmp>/greeting.j2"
    assert masker.value("/home/u/.ansible/tmp/ansible-local-1x/tmpq/other.j2") != a


def test_an_item_s_diff_finds_its_result_past_another_host_s_events():
    records = [
        _event("runner_on_file_diff", "b"),
        _event("runner_on_file_diff", "a"),
        _event("runner_item_on_ok", "b"),
        _event("runner_item_on_ok", "a"),
    ]
    assert _order(normalize.sort_host_results(records)) == [
        ("runner_on_file_diff", "a"),
        ("runner_item_on_ok", "a"),
        ("runner_on_file_diff", "b"),
        ("runner_item_on_ok", "b"),
    ]


def test_a_task_s_one_error_block_goes_with_the_first_host_in_host_order():
    """ansible-core prints a task's ``[ERROR]`` once, before the first failing host's result: which
    host carries it is completion order, so after sorting it moves to the first result, spans too."""
    error = "\x1b[0;31m[ERROR]: Task failed: boom\x1b[0m\r\n\x1b[0;31mOrigin: <file>\x1b[0m"

    def failed(host: str, text: str, start: int) -> dict:
        lines = text.count("\r\n") + 1
        return dict(_event("runner_on_failed", host), counter=1, stdout=text, start_line=start, end_line=start + lines)

    records = [
        failed("h2", error + "\r\n\x1b[0;31mfatal: [h2]: FAILED!\x1b[0m", 0),
        failed("h1", "\x1b[0;31mfatal: [h1]: FAILED!\x1b[0m", 3),
    ]
    out = normalize.sort_host_results(records)
    assert [r["event_data"]["host"] for r in out] == ["h1", "h2"]
    assert out[0]["stdout"] == error + "\r\n\x1b[0;31mfatal: [h1]: FAILED!\x1b[0m"
    assert out[1]["stdout"] == "\x1b[0;31mfatal: [h2]: FAILED!\x1b[0m"
    assert [(r["start_line"], r["end_line"]) for r in out] == [(0, 3), (3, 4)]


def test_a_quick_host_s_result_before_a_slow_host_s_start_is_ordered_starts_first():
    """Each host's worker process sends its own ``runner_on_start``: on a loaded machine ansible-core
    sends h1's result before h3's start. A task's starts go first, in host order, then its results."""
    records = [
        _event("runner_on_start", "h2"),
        _event("runner_on_start", "h1"),
        _event("runner_on_ok", "h1"),
        _event("runner_on_start", "h3"),
        _event("runner_on_ok", "h3"),
        _event("runner_on_ok", "h2"),
        {"event": "playbook_on_task_start", "event_data": {"task_uuid": "t2", "host": ""}},
        _event("runner_on_start", "h1", "t2"),
    ]
    assert _order(normalize.sort_host_results(records)) == [
        ("runner_on_start", "h1"),
        ("runner_on_start", "h2"),
        ("runner_on_start", "h3"),
        ("runner_on_ok", "h1"),
        ("runner_on_ok", "h2"),
        ("runner_on_ok", "h3"),
        ("playbook_on_task_start", ""),
        ("runner_on_start", "h1"),
    ]


def test_a_task_s_deprecation_blocks_go_with_the_first_host_in_host_order():
    """A template's deprecation is printed once too, before whichever host's (or item's) result came first."""
    block = (
        "\x1b[1;35m[WARNING]: Deprecation warnings can be disabled by setting `deprecation_warnings=False` in ansible.cfg.\x1b[0m"
        "\r\n\x1b[0;35m[DEPRECATION WARNING]: The `play_hosts` magic variable is deprecated.\x1b[0m\r\n\x1b[0;35m\x1b[0m"
    )

    def item(host: str, text: str, start: int) -> dict:
        lines = text.count("\r\n") + 1
        return dict(_event("runner_item_on_ok", host), counter=1, stdout=text, start_line=start, end_line=start + lines)

    records = [
        item("r1", block + "\r\n\x1b[0;32mok: [r1] => (item=1)\x1b[0m", 0),
        item("l1", "\x1b[0;32mok: [l1] => (item=1)\x1b[0m", 4),
    ]
    out = normalize.sort_host_results(records)
    assert [r["event_data"]["host"] for r in out] == ["l1", "r1"]
    assert out[0]["stdout"] == block + "\r\n\x1b[0;32mok: [l1] => (item=1)\x1b[0m"
    assert out[1]["stdout"] == "\x1b[0;32mok: [r1] => (item=1)\x1b[0m"
