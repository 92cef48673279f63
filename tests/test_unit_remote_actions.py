"""Remote copy/template as Ansible's actions: the steps they take, their diff, their rendering (unit tier).

The real runs (a real sshd, diffed against ansible-core) are the compat cases ``remote_edit_modules``,
``remote_diff_mode``, ``remote_check_mode`` and ``remote_check_diff``; here the action's decisions are
checked against a host that answers as Ansible's modules would and records what it was asked.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
from types import SimpleNamespace
from typing import Any

from ftl2_runner.executor.actions import remote_copy_action, source_tree, template_action
from ftl2_runner.executor.display import diff
from ftl2_runner.executor.ftl2.remote_modules import module_result
from ftl2_runner.executor.vars.conditions import render, render_file


class RecordingHost(remote_copy_action._Host):
    """A host whose destination holds ``current`` (None: no file); it records every module call."""

    def __init__(self, current: bytes | None, check_mode: bool = False, diff_mode: bool = False):
        super().__init__(None, "r1", SimpleNamespace(check_mode=check_mode, diff=diff_mode, verbosity=0))
        self.current = current
        self.calls: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []

    async def module(self, name: str, args: Any, put: dict[str, Any] | None = None) -> dict[str, Any]:
        self.calls.append((name, dict(args), put))
        if name == "stat":
            if self.current is None:
                return {"changed": False, "stat": {"exists": False}}
            return {"changed": False, "stat": {"exists": True, "isdir": False, "checksum": hashlib.sha1(self.current).hexdigest()}}
        if name == "file" and args.get("_diff_peek"):
            state = "absent" if self.current is None else "file"
            return {"changed": False, "appears_binary": False, "state": state, "size": len(self.current or b"")}
        if name == "slurp":
            return {"content": base64.b64encode(self.current or b"").decode(), "encoding": "base64"}
        return {"changed": name == "copy", "dest": args.get("dest"), "module": name}


def _copy(host: RecordingHost, **params: Any) -> dict[str, Any]:
    return asyncio.run(remote_copy_action._copy(host, params, {}))


def test_a_changed_file_is_sent_with_the_copy_module_and_its_checksum(tmp_path):
    host = RecordingHost(b"old\n")
    out = _copy(host, content="new\n", dest=str(tmp_path / "f.txt"))
    assert [c[0] for c in host.calls] == ["stat", "copy"]
    name, args, put = host.calls[1]
    assert put is not None and base64.b64decode(put["data"]) == b"new\n" and put["name"] == ".source.txt"
    assert args["checksum"] == hashlib.sha1(b"new\n").hexdigest() and "content" not in args and "src" not in args
    assert out["changed"] is True and out["diff"] == []


def test_the_same_content_asks_the_file_module_and_sends_nothing(tmp_path):
    host = RecordingHost(b"same\n")
    out = _copy(host, content="same\n", dest=str(tmp_path / "f.txt"), mode="0600")
    assert [c[0] for c in host.calls] == ["stat", "file"]
    args = host.calls[1][1]
    assert args["state"] == "file" and args["mode"] == "0600" and args["recurse"] is False
    assert out["checksum"] == hashlib.sha1(b"same\n").hexdigest()  # added by the action, as Ansible's does


def test_check_mode_predicts_a_change_without_sending_the_file(tmp_path):
    host = RecordingHost(None, check_mode=True, diff_mode=True)
    out = _copy(host, content="new\n", dest=str(tmp_path / "f.txt"))
    assert [c[0] for c in host.calls] == ["stat", "file"]  # the file call is the diff's peek, not a write
    assert host.calls[1][1]["_diff_peek"] is True
    assert out == {"diff": [{"before": "", "after_header": str(tmp_path / "f.txt"), "after": "new\n"}], "changed": True}


def test_the_diff_reads_the_destination_from_the_host(tmp_path):
    source = tmp_path / "src.txt"
    source.write_text("two\n")
    host = RecordingHost(b"one\n", diff_mode=True)
    out = _copy(host, src=str(tmp_path / "." / "src.txt"), dest=str(tmp_path / "f.txt"))
    assert [c[0] for c in host.calls] == ["stat", "file", "slurp", "copy"]
    # A src file's header is its normalised path (Ansible's _find_needle), the destination's is dest.
    assert out["diff"] == [{"before_header": str(tmp_path / "f.txt"), "before": "one\n", "after_header": str(source), "after": "two\n"}]


def test_mutually_exclusive_and_missing_arguments_fail_as_ansible_says(tmp_path):
    host = RecordingHost(None)
    assert _copy(host, dest="/x")["msg"] == "src (or content) is required"
    assert _copy(host, src="a", content="b", dest="/x")["msg"] == "src and content are mutually exclusive"
    assert _copy(host, content="b", dest="/x/")["msg"] == "can not use content with a dir as dest"
    assert host.calls == []


def _tree(tmp_path):
    top = tmp_path / "site"
    (top / "sub" / "deep").mkdir(parents=True)
    (top / "empty").mkdir()
    (top / "a.txt").write_text("a\n")
    (top / "sub" / "b.txt").write_text("b\n")
    (top / "sub" / "deep" / "c.txt").write_text("c\n")
    return top


def test_a_trailing_slash_copies_the_contents_and_none_the_directory_itself(tmp_path):
    top = _tree(tmp_path)
    inside = source_tree.walk(str(top) + "/")
    assert sorted(rel for _, rel in inside.files) == ["a.txt", "sub/b.txt", "sub/deep/c.txt"]
    assert sorted(rel for _, rel in inside.directories) == ["empty", "sub", "sub/deep"]
    itself = source_tree.walk(str(top))
    assert sorted(rel for _, rel in itself.files) == ["site/a.txt", "site/sub/b.txt", "site/sub/deep/c.txt"]
    assert sorted(rel for _, rel in itself.directories) == ["site/empty", "site/sub", "site/sub/deep"]  # never "site"
    assert inside.symlinks == itself.symlinks == []


def test_links_are_followed_unless_they_loop_or_local_follow_is_off(tmp_path):
    top = _tree(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.txt").write_text("o\n")
    os.symlink(str(outside), top / "out")
    os.symlink("../a.txt", top / "sub" / "to_a")
    os.symlink("..", top / "sub" / "up")  # back into the copy: kept a link
    followed = source_tree.walk(str(top) + "/")
    assert ("out/o.txt" in [rel for _, rel in followed.files]) and (str(outside), "out") in followed.directories
    assert (str(top / "a.txt"), "sub/to_a") in followed.files
    assert followed.symlinks == [("..", "sub/up")]
    kept = source_tree.walk(str(top) + "/", local_follow=False)
    assert sorted(kept.symlinks) == [("..", "sub/up"), ("../a.txt", "sub/to_a"), (str(outside), "out")]
    assert "out/o.txt" not in [rel for _, rel in kept.files]


def test_a_directory_copies_each_file_then_the_directories_no_file_made(tmp_path):
    top = _tree(tmp_path)
    host = RecordingHost(None)
    out = _copy(host, src=str(top) + "/", dest="/dst", directory_mode="0750", mode="0640")
    copies = [args for name, args, _ in host.calls if name == "copy"]
    assert sorted(a["_original_basename"] for a in copies) == ["a.txt", "sub/b.txt", "sub/deep/c.txt"]
    assert all(a["dest"] == "/dst/" and a["follow"] is False and a["mode"] == "0640" for a in copies)
    stats = [args["path"] for name, args, _ in host.calls if name == "stat"]
    assert sorted(stats) == ["/dst/a.txt", "/dst/sub/b.txt", "/dst/sub/deep/c.txt"]
    made = [args for name, args, _ in host.calls if name == "file"]
    assert made == [{"mode": "0750", "path": "/dst/empty", "state": "directory", "recurse": False}]
    assert out == {"dest": "/dst/", "src": str(top) + "/", "changed": True}


def test_a_directory_of_one_file_reports_that_files_result(tmp_path):
    top = tmp_path / "one"
    top.mkdir()
    (top / "only.txt").write_text("x\n")
    out = _copy(RecordingHost(None), src=str(top), dest="/dst")
    assert out["changed"] is True and out["module"] == "copy" and out["dest"] == "/dst/"


def test_gate_keys_are_dropped_and_a_module_without_json_is_a_module_failure():
    assert module_result({"changed": True, "path": "/p", "rc": 0, "stdout": "{...}", "stderr": ""}) == {"changed": True, "path": "/p"}
    failed = module_result({"rc": 1, "stdout": "", "stderr": "Traceback ..."})
    assert failed["failed"] is True and failed["msg"].startswith("MODULE FAILURE") and failed["module_stderr"] == "Traceback ..."


def test_a_diff_s_new_side_says_binary_and_large_as_ansible_does():
    big = b"x" * (diff.MAX_FILE_SIZE_FOR_DIFF + 1)
    assert diff.after_entry(big, "/s") == {"src_larger": diff.MAX_FILE_SIZE_FOR_DIFF}
    assert diff.after_entry(b"\x00", "/s") == {"src_binary": 1}


def test_arguments_render_with_trim_blocks_and_their_trailing_newlines():
    # ansible-core's environment trims the newline after a block tag and restores the template's final newlines.
    assert render("{% if true %}\nyes\n{% endif %}\n", {}) == "yes\n"
    assert render("a{{ x }}\n\n", {"x": 1}) == "a1\n\n"


def test_a_template_file_renders_with_the_action_options(tmp_path):
    template = tmp_path / "t.j2"
    template.write_text("{% for n in items %}\n  {{ n }}\n{% endfor %}\n")
    assert render_file(str(template), {"items": [1, 2]}, [str(tmp_path)], trim_blocks=True) == "  1\n  2\n"
    kept = render_file(str(template), {"items": [1]}, [str(tmp_path)], trim_blocks=False, lstrip_blocks=False)
    assert kept == "\n  1\n"  # the newline after endfor is the last one, which Jinja drops and Ansible restores
    crlf = render_file(str(template), {"items": [1]}, [str(tmp_path)], trim_blocks=True, newline_sequence="\r\n")
    assert crlf == "  1\r\n"


def test_a_relative_source_is_found_under_the_playbooks_files_dir(tmp_path):
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "a.txt").write_text("x")
    found = template_action.find_source("a.txt", "files", str(tmp_path))
    assert found == os.path.join(str(tmp_path), "files", "a.txt")
    assert template_action.find_source("missing.txt", "files", str(tmp_path)) is None


def test_a_file_that_fits_one_gate_message_travels_in_the_arguments_and_a_larger_one_in_parts():
    from ftl2_runner.executor.ftl2 import remote_put

    sent: list[dict[str, Any]] = []

    async def send(module: str, args: dict[str, Any]) -> dict[str, Any]:
        sent.append(dict(args, module=module))
        return {"changed": False}

    small = asyncio.run(remote_put.put(send, "src", ".source", b"x" * 10))
    assert small == {"arg": "src", "name": ".source", "data": base64.b64encode(b"x" * 10).decode()} and sent == []
    data = bytes(range(256)) * (remote_put.PART // 128 + 1)  # two whole parts and a piece
    large = asyncio.run(remote_put.put(send, "src", ".source", data))
    assert large["staged"].startswith("ftl2-runner-put-") and "data" not in large
    assert [p["offset"] for p in sent] == [0, remote_put.PART, 2 * remote_put.PART]
    assert b"".join(base64.b64decode(p["data"]) for p in sent) == data
    assert {p["name"] for p in sent} == {large["staged"]} and {p["module"] for p in sent} == {"ftl2_runner_put_part"}
    # base64 of a part stays well inside FTL2's 64 MiB messages.
    assert len(base64.b64encode(b"\0" * remote_put.PART)) < 48 * 1024 * 1024
