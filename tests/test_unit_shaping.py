"""FTL2 module results reshaped as Ansible's modules return them (unit tier)."""

from __future__ import annotations

import os

from ftl2_runner.executor.actions.shaping import as_failure, shape_result, with_loop_item

COMMAND_KEYS = ["changed", "msg", "rc", "stdout", "stderr", "cmd", "start", "end", "delta", "stdout_lines", "stderr_lines"]


def test_command_result_has_ansibles_keys_in_ansibles_order():
    out = shape_result(
        "ansible.builtin.command", {"_raw_params": "echo 'a b'"}, {"rc": 0, "stdout": "a b\n", "stderr": "", "changed": True}, 100.0, 101.5
    )
    assert list(out) == COMMAND_KEYS
    assert out["stdout"] == "a b"  # FTL2 keeps the trailing newline, Ansible does not
    assert out["cmd"] == ["echo", "a b"]  # command: split as a shell would
    assert out["msg"] == ""
    assert out["delta"] == "0:00:01.500000"
    assert out["start"].count(":") == 2 and out["start"] < out["end"]


def test_only_one_trailing_newline_is_stripped_and_lines_are_split():
    out = shape_result("command", {"cmd": "x"}, {"rc": 0, "stdout": "l1\nl2\n\n", "stderr": "e1\ne2\n"}, 1.0, 1.0)
    assert out["stdout"] == "l1\nl2\n"
    assert out["stdout_lines"] == ["l1", "l2"]  # str.splitlines, as Ansible
    assert out["stderr"] == "e1\ne2"
    assert out["stderr_lines"] == ["e1", "e2"]
    assert out["delta"] == "0:00:00"


def test_shell_keeps_its_command_a_string_and_argv_is_a_list():
    shell = shape_result("shell", {"_raw_params": "echo a | wc -l"}, {"rc": 0, "stdout": "1\n"}, 1.0, 2.0)
    assert shell["cmd"] == "echo a | wc -l"
    argv = shape_result("shell", {"argv": ["echo", "a b"]}, {"rc": 0}, 1.0, 2.0)
    assert argv["cmd"] == ["echo", "a b"]
    unbalanced = shape_result("command", {"_raw_params": "echo 'a"}, {"rc": 0}, 1.0, 2.0)
    assert unbalanced["cmd"] == "echo 'a"  # shlex cannot split it: kept as given


def test_non_zero_rc_gets_ansibles_message():
    out = shape_result("command", {"cmd": "false"}, {"rc": 1, "stdout": "", "stderr": ""}, 1.0, 2.0)
    assert out["msg"] == "The command exited with a non-zero return code."
    assert out["rc"] == 1


def test_results_that_are_not_shaped():
    failed = {"failed": True, "stdout": "x\n", "rc": 1, "msg": "boom"}
    shaped = shape_result("command", {}, failed, 1.0, 2.0)
    assert shaped == {"changed": False, **failed}  # not reshaped as a command result...
    assert list(shaped) == ["changed", "msg", "rc", "failed", "stdout"]  # ...but in ansible-core's key order
    assert shape_result("command", {}, {"changed": True}, 1.0, 2.0) == {"changed": True}  # no rc: not a command result
    assert shape_result("ping", {}, {"ping": "pong"}, 1.0, 2.0) == {"changed": False, "ping": "pong"}  # Ansible's order
    assert shape_result("command", {}, None, None, None) == {"changed": False}  # Ansible always reports changed


def test_file_results_are_shaped_only_for_local_hosts(tmp_path):
    path = tmp_path / "f"
    path.write_text("abc")
    os.chmod(path, 0o640)
    output = {"changed": True, "path": str(path)}
    assert shape_result("file", {"path": str(path)}, output, 1.0, 2.0) == output
    local = shape_result("ansible.builtin.file", {"path": str(path)}, output, 1.0, 2.0, local=True)
    assert local["path"] == str(path)
    assert (local["mode"], local["state"], local["size"], local["uid"]) == ("0640", "file", 3, os.getuid())
    missing = shape_result("file", {"path": str(tmp_path / "gone"), "state": "absent"}, {"changed": False}, 1.0, 2.0, local=True)
    assert missing == {"changed": False, "path": str(tmp_path / "gone"), "state": "absent"}


def test_as_failure_key_order_of_ansible_core_2_21():
    out = as_failure({"failed": True, "rc": 2, "msg": "boom", "changed": True, "exception": "mine"})
    assert list(out.items()) == [("changed", True), ("exception", "(traceback unavailable)"), ("rc", 2), ("msg", "boom")]
    assert list(as_failure({"msg": "x"})) == ["changed", "exception", "msg"]
    assert as_failure({"msg": "x"})["changed"] is False


def test_with_loop_item_puts_the_loop_keys_after_rc():
    out = with_loop_item({"changed": True, "rc": 0, "stdout": "a"}, "item", "a")
    assert list(out.items()) == [
        ("changed", True),
        ("rc", 0),
        ("ansible_loop_var", "item"),
        ("_ansible_item_label", "a"),
        ("item", "a"),
        ("stdout", "a"),
    ]
    out = with_loop_item({"changed": False}, "pkg", {"name": "x"})
    assert list(out) == ["changed", "ansible_loop_var", "_ansible_item_label", "pkg"]
    assert out["pkg"] == {"name": "x"}
