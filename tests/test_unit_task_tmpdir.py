"""Where a local host's task keeps its temporary files: the account's home, as ansible-core's ``~``."""

from __future__ import annotations

import os
import pwd
import shutil

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
