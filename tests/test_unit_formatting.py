"""The formatter's lines, as Ansible's ``default`` and ``minimal`` callbacks print them (unit tier)."""

from __future__ import annotations

from ftl2_runner.executor.display.formatting import Formatter

PLAIN = Formatter(colour=False)
COLOUR = Formatter(colour=True)


def sgr(code: str, text: str) -> str:
    return f"\x1b[{code}m{text}\x1b[0m"


def banner(text: str, width: int) -> str:
    """Ansible's banner of ``text`` that is ``width`` columns wide: stars up to column 80."""
    return f"\n{text} " + "*" * (79 - width)


def test_banner_fills_79_columns_by_display_width():
    assert PLAIN.banner("TASK [ping]") == banner("TASK [ping]", 11)
    assert len(PLAIN.banner("TASK [ping]")) == 1 + 80
    # East Asian wide characters take two columns, combining marks none.
    assert PLAIN.banner("TASK [日本]") == banner("TASK [日本]", 11)
    assert PLAIN.banner("TASK [cafe\u0301]") == banner("TASK [cafe\u0301]", 11)
    assert PLAIN.banner("  TASK [x]  ") == banner("TASK [x]", 8)  # stripped first
    assert PLAIN.banner("TASK [" + "x" * 100 + "]").endswith("x] ***")  # never fewer than 3
    assert Formatter(colour=False, columns=99).banner("PLAY [a]") == "\nPLAY [a] " + "*" * 91


def test_play_and_task_banners():
    assert PLAIN.play_start("web") == banner("PLAY [web]", 10)
    assert PLAIN.play_start("  ") == banner("PLAY", 4)
    # ansible-core's default callback has check_mode_markers off: no suffix unless ANSIBLE_CHECK_MODE_MARKERS is set
    assert PLAIN.play_start("web", check_mode=True) == banner("PLAY [web]", 10)
    markers = Formatter(colour=False, environ={"ANSIBLE_CHECK_MODE_MARKERS": "1"})
    assert markers.play_start("web", check_mode=True) == banner("PLAY [web] [CHECK MODE]", 23)
    assert PLAIN.task_start("t", "/p/site.py:3") == banner("TASK [t]", 8)
    vv = Formatter(colour=True, verbosity=2).task_start("t", "/p/site.py:3")
    assert vv == banner("TASK [t]", 8) + "\n" + sgr("1;30", "task path: /p/site.py:3")
    assert PLAIN.playbook_start("/p/site.py") is None
    assert Formatter(colour=False, verbosity=2).playbook_start("/p/site.py") == banner("PLAYBOOK: site.py", 17)


def test_ok_and_changed_lines():
    assert PLAIN.ok("h", {"changed": False}) == "ok: [h]"
    assert PLAIN.ok("h", {"changed": True}) == "changed: [h]"
    assert COLOUR.ok("h", {"changed": False}) == sgr("0;32", "ok: [h]")
    assert COLOUR.ok("h", {"changed": True}) == sgr("0;33", "changed: [h]")


def test_debug_shows_only_its_message():
    res = {"msg": "hi", "changed": False, "other": 1, "_ansible_verbose_always": True}
    assert PLAIN.ok("h", res, action="ansible.builtin.debug") == 'ok: [h] => {\n    "msg": "hi"\n}'
    # Not a debug result: everything but the private keys, still indented (verbose_always).
    assert PLAIN.ok("h", res, action="ping") == 'ok: [h] => {\n    "changed": false,\n    "msg": "hi",\n    "other": 1\n}'


def test_dump_results_drops_private_and_noisy_keys_until_vvv():
    res = {
        "b": 1,
        "a": "日",
        "_ansible_no_log": False,
        "invocation": {"module_args": {}},
        "exception": "tb",
        "warnings": ["w"],
        "deprecations": [],
        "diff": {},
    }
    assert PLAIN.dump_results(res) == '{"a": "日", "b": 1}'  # sorted keys, no ASCII escaping
    assert Formatter(colour=False, verbosity=3).dump_results(res) == (
        '{\n    "a": "日",\n    "b": 1,\n    "diff": {},\n    "invocation": {\n        "module_args": {}\n    }\n}'
    )


def test_failed_lines_with_error_block_and_ignoring():
    res = {"changed": False, "msg": "boom"}
    assert PLAIN.failed("h", res, False, None) == 'fatal: [h]: FAILED! => {"changed": false, "msg": "boom"}'
    text = COLOUR.failed("h", res, True, "[ERROR]: Task failed\nOrigin: site.py:3")
    assert text.split("\n") == [
        sgr("0;31", "[ERROR]: Task failed"),
        sgr("0;31", "Origin: site.py:3"),
        sgr("0;31", 'fatal: [h]: FAILED! => {"changed": false, "msg": "boom"}'),
        sgr("0;36", "...ignoring"),
    ]


def test_skipped_and_unreachable_lines():
    assert PLAIN.skipped("h", {"skipped": True}) == "skipping: [h]"
    assert COLOUR.skipped("h", {"skipped": True}) == sgr("0;36", "skipping: [h]")
    assert Formatter(colour=False, verbosity=1).skipped("h", {"skipped": True}) == 'skipping: [h] => {"skipped": true}'
    res = {"changed": False, "msg": "Failed to connect", "unreachable": True}
    assert COLOUR.unreachable("h", res, None) == sgr(
        "1;31", 'fatal: [h]: UNREACHABLE! => {"changed": false, "msg": "Failed to connect", "unreachable": true}'
    )
    assert COLOUR.unreachable("h", res, "E").split("\n")[0] == sgr("0;31", "E")


def test_item_lines():
    assert PLAIN.item("h", "ok", {"changed": False}, "a") == "ok: [h] => (item=a)"
    assert COLOUR.item("h", "ok", {"changed": True}, "a") == sgr("0;33", "changed: [h] => (item=a)")
    assert PLAIN.item("h", "failed", {"msg": "x"}, "a") == 'failed: [h] (item=a) => {"msg": "x"}'
    assert PLAIN.item("h", "skipped", {}, "a") == "skipping: [h] => (item=a) "  # Ansible's trailing space


def test_minimal_lines_for_ad_hoc():
    assert PLAIN.minimal_result("h", "ok", {"changed": False, "ping": "pong"}, "ping") == (
        'h | SUCCESS => {\n    "changed": false,\n    "ping": "pong"\n}'
    )
    assert COLOUR.minimal_result("h", "ok", {"changed": True}, "file") == sgr("0;33", "h | CHANGED => {") + "\n" + sgr(
        "0;33", '    "changed": true'
    ) + "\n" + sgr("0;33", "}")
    # command-like modules print their output as text
    cmd = {"changed": True, "rc": 0, "stdout": "hello", "stderr": ""}
    assert PLAIN.minimal_result("h", "ok", cmd, "ansible.builtin.command") == "h | CHANGED | rc=0 >>\nhello"
    failed = {"changed": True, "rc": 2, "stdout": "", "stderr": "nope", "msg": "non-zero return code"}
    assert PLAIN.minimal_result("h", "failed", failed, "shell", "E") == "E\nh | FAILED | rc=2 >>\nnopenon-zero return code"
    assert PLAIN.minimal_result("h", "failed", {"msg": "x"}, "ping") == 'h | FAILED! => {\n    "msg": "x"\n}'
    assert PLAIN.minimal_result("h", "skipped", {}, "ping") == "h | SKIPPED"
    assert PLAIN.minimal_result("h", "unreachable", {"unreachable": True}, "ping") == ('h | UNREACHABLE! => {\n    "unreachable": true\n}')


def test_display_lines():
    assert PLAIN.warning("w") == "[WARNING]: w"
    assert COLOUR.warning("w") == sgr("1;35", "[WARNING]: w")
    assert COLOUR.error("e") == sgr("0;31", "[ERROR]: e")
    assert COLOUR.verbose("v") == sgr("0;34", "v")
    assert COLOUR.no_hosts_matched() == sgr("0;36", "skipping: no hosts matched")


def _summary(**counts: int) -> dict[str, int]:
    return {"ok": 0, "changed": 0, "unreachable": 0, "failures": 0, "skipped": 0, "rescued": 0, "ignored": 0, **counts}


def test_recap_sorted_hosts_plain_layout():
    text = PLAIN.recap({"web2": _summary(ok=1), "db": _summary(ok=12, failures=1)})
    assert text.split("\n") == [
        "",
        banner("PLAY RECAP", 10)[1:],
        "db                         : ok=12   changed=0    unreachable=0    failed=1    skipped=0    rescued=0    ignored=0   ",
        "web2                       : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ",
        "",
    ]


def test_recap_host_colour_follows_the_worst_outcome():
    def host_field(**counts: int) -> str:
        return COLOUR.recap({"h": _summary(**counts)}).split("\n")[2].split(" : ")[0]

    assert host_field(ok=1) == "%-37s" % sgr("0;32", "h")
    assert host_field(ok=1, changed=1) == "%-37s" % sgr("0;33", "h")
    assert host_field(failures=1, changed=1) == "%-37s" % sgr("0;31", "h")
    assert host_field(unreachable=1) == "%-37s" % sgr("0;31", "h")
    line = COLOUR.recap({"h": _summary(unreachable=1)}).split("\n")[2]
    assert sgr("1;31", "unreachable=1   ") in line and " ok=0    " in line  # zero counts stay plain


def test_no_colour_means_no_escape_sequences():
    f = Formatter(colour=False, verbosity=2)
    texts = [
        f.ok("h", {"changed": True}),
        f.failed("h", {}, True, "E"),
        f.skipped("h", {}),
        f.unreachable("h", {}, "E"),
        f.item("h", "failed", {}, 1),
        f.task_start("t", "p"),
        f.warning("w"),
        f.recap({"h": _summary(failures=1)}),
    ]
    assert not [t for t in texts if "\x1b" in t]


def test_a_chained_error_block_has_its_headline_above_the_origin_and_its_cause_below():
    from ftl2_runner.executor.display.formatting import task_error_block

    origin = ["Origin: job.py:4:7", "", "4     await ftl.localhost.copy(src=s)", "      ^ column 7"]
    assert task_error_block("Task failed: Module failed: boom", origin) == "\n".join(
        ["[ERROR]: Task failed: Module failed: boom", *origin, ""]
    )
    assert task_error_block("Task failed: X: why", origin, headline="Task failed: X.", cause="why, in full") == "\n".join(
        ["[ERROR]: Task failed: X: why", "", "Task failed: X.", *origin, "", "<<< caused by >>>", "", "why, in full", ""]
    )


def test_a_delegated_result_names_the_host_and_its_delegate():
    from ftl2_runner.executor.display.formatting import Formatter, host_label

    assert host_label("h1", {"changed": True}) == "h1"
    assert host_label("h1", {"_ansible_delegated_vars": {"ansible_delegated_host": "localhost"}}) == "h1 -> localhost"
    to_db = {"_ansible_delegated_vars": {"ansible_delegated_host": "db", "ansible_host": "10.0.0.5"}}
    assert host_label("h1", to_db) == "h1 -> db(10.0.0.5)"
    assert host_label("h1", {"_ansible_delegated_vars": {"ansible_delegated_host": "h1"}}) == "h1"
    delegated = {"changed": True, "_ansible_delegated_vars": {"ansible_delegated_host": "lb"}}
    fmt = Formatter(colour=False)
    assert fmt.ok("web1", delegated) == "changed: [web1 -> lb]"
    assert fmt.failed("web1", delegated, False, None) == 'fatal: [web1 -> lb]: FAILED! => {"changed": true}'


def test_ansible_booleans_read_one_way_everywhere():
    from ftl2_runner.executor.vars.booleans import ansible_bool

    assert [ansible_bool(v) for v in ("yes", " On ", "1", "TRUE", "y", "t")] == [True] * 6
    assert [ansible_bool(v) for v in ("no", "off", "0", "false", "", "maybe", None, 0)] == [False] * 8
    assert ansible_bool(True) and ansible_bool(2) and ansible_bool(["x"])
