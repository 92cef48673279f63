"""Where a local host's task keeps its temporary files: the account's home, as ansible-core's ``~``."""

from __future__ import annotations

import json
import os
import pwd
import random  # noqa: F401 - imported here: task_tmpdir's imports, which a child that dropped root cannot read
import shutil
import tempfile
import time  # noqa: F401 - as random

import pytest

from ftl2_runner.executor.ftl2 import ansible_modules


def test_a_task_s_directory_is_under_the_account_home_whatever_home_says(tmp_path, monkeypatch):
    """ansible-core expands ``remote_tmp`` as ``~<user>`` (the account database), so a module's
    ``src`` reads ``/root/.ansible/tmp/...`` for root even when ``$HOME`` is elsewhere (an EE, a CI
    job): the compat cases that show such a path differed on a machine with another ``$HOME``.
    The controller's own directory (``ansible-local-*``) follows ``$HOME``, as ansible-core's does."""
    monkeypatch.setenv("HOME", str(tmp_path))
    account_home = pwd.getpwuid(os.geteuid()).pw_dir
    task = ansible_modules.task_tmpdir()
    local = ansible_modules.local_tmpdir()
    try:
        assert os.path.dirname(task) == os.path.join(account_home, ".ansible", "tmp")
        assert os.path.basename(task).startswith("ansible-tmp-")
        assert os.path.dirname(local) == str(tmp_path / ".ansible" / "tmp")
    finally:
        shutil.rmtree(task, ignore_errors=True)
        shutil.rmtree(local, ignore_errors=True)


def _free_uid() -> int:
    """A uid no account has (as a container's arbitrary uid)."""
    uid = 54321
    while True:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
        uid += 1


def _as_user(uid: int, gid: int, home: str) -> dict[str, str]:
    """``_login_home()`` and ``task_tmpdir()`` in a child process that really runs as ``uid``, with ``HOME=home``.

    A fork, not a new interpreter: this one lives under a home the other uid cannot read."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop to the user, answer through the pipe, never return into pytest
        code = 1
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            os.environ["HOME"] = home
            answer = {"login_home": ansible_modules._login_home(), "task_tmpdir": ansible_modules.task_tmpdir()}
            code = 0
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the test
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            with os.fdopen(write, "w") as out:
                json.dump(answer, out)
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        answer = json.load(pipe)
    os.waitpid(pid, 0)
    return answer


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="running as another uid (one with no account, nobody) needs root")


@needs_root
def test_a_uid_with_no_account_keeps_its_task_files_under_home():
    """An execution environment may run an arbitrary uid that has no account entry: ``~`` can then
    only mean ``$HOME``, and the task's directory is made there instead of the job failing."""
    uid = _free_uid()
    home = tempfile.mkdtemp(prefix="ftl2-runner-nouser-")
    try:
        os.chown(home, uid, uid)
        answer = _as_user(uid, uid, home)
        assert "error" not in answer, answer
        assert answer["login_home"] == home
        assert os.path.dirname(answer["task_tmpdir"]) == os.path.join(home, ".ansible", "tmp")
        assert os.stat(answer["task_tmpdir"]).st_uid == uid
    finally:
        shutil.rmtree(home, ignore_errors=True)


@needs_root
def test_an_account_home_that_cannot_be_written_falls_back_to_home():
    """``nobody``'s account home (``/nonexistent``) cannot be written: its task directory goes under ``$HOME`` instead."""
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("this machine has no nobody account")
    try:
        where = os.stat(nobody.pw_dir)
        if where.st_uid == nobody.pw_uid or where.st_mode & 0o002:
            pytest.skip(f"nobody can write its home {nobody.pw_dir} here")
    except FileNotFoundError:
        pass  # the usual case: /nonexistent
    home = tempfile.mkdtemp(prefix="ftl2-runner-nobody-")
    try:
        os.chown(home, nobody.pw_uid, nobody.pw_gid)
        answer = _as_user(nobody.pw_uid, nobody.pw_gid, home)
        assert "error" not in answer, answer
        assert answer["login_home"] == nobody.pw_dir  # the account's, as ansible-core's `~nobody`
        assert os.path.dirname(answer["task_tmpdir"]) == os.path.join(home, ".ansible", "tmp")
    finally:
        shutil.rmtree(home, ignore_errors=True)
