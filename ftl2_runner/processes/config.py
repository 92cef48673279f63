"""``Ftl2RunnerConfig``: upstream's RunnerConfig whose command runs an FTL2 script.

Everything ansible-runner prepares for a job — ``env/settings``, ``env/envvars``,
passwords, ssh-agent wrapping of ``env/ssh_key``, the artifact dir, the environment
(``AWX_ISOLATED_DATA_DIR`` and friends), ``env/cmdline``, ``-e @env/extravars``,
``--limit``, ``-v`` — is done by the inherited code. We change one thing: the program.
Where RunnerConfig would run ``ansible-playbook [args] PLAYBOOK`` we run
``python -m ftl2_runner.executor [the same args] SCRIPT``.

Jobs that are not FTL2 scripts keep upstream behaviour: an ``args`` file (AWX
inventory updates, system jobs) is still a raw command, and a playbook that is YAML
rather than Python runs under ``ansible-playbook`` exactly as ansible-runner would run
it, when one is on the job's PATH (otherwise the executor explains why it cannot run).
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from ansible_runner.config.runner import ExecutionMode, RunnerConfig

EXECUTOR_MODULE = "ftl2_runner.executor"
DEFAULT_PEXPECT_TIMEOUT = 1
# Runner notices a cancel only when its expect loop wakes up; Receptor SIGKILLs 10 s after its
# SIGINT, so a larger env/settings value would turn every cancel into a kill with no eof.
MAX_PEXPECT_TIMEOUT = 2


def executor_command() -> list[str]:
    """The executor's argv prefix: same interpreter, so the job sees the same ftl2.

    ``-P``: the executor runs with the project dir as its cwd, and ``python -m`` would put that
    first on ``sys.path``, where a project's ``yaml.py`` (``asyncio.py``, ``ftl2/``...) replaced
    what the executor, FTL2 and Ansible's modules import. Only the script's own directory goes
    on ``sys.path``, last (``script_loader``).
    """
    return [sys.executable, "-P", "-m", EXECUTOR_MODULE]


class Ftl2RunnerConfig(RunnerConfig):
    """RunnerConfig for FTL2 jobs.

    ``script_path`` is the worker's default script, used when the job names no
    playbook; with neither, the executor falls back to ``$FTL2_SCRIPT`` and then
    ``/opt/ftl2/main.py`` (so the job's own envvars can choose the script).
    """

    binary: str | None  # upstream's attribute (set in RunnerConfig.__init__), swapped below

    def __init__(self, *args: Any, script_path: str | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.script_path = script_path

    def prepare_env(self) -> None:
        super().prepare_env()
        from ..intake.job_paths import check_fact_cache

        check_fact_cache(self.fact_cache, self.artifact_dir)
        from ansible_runner import output

        if self.check_job_event_data or output.DEBUG_ENABLED:
            # Runner would raise, or log, for every event that has no partial file: the executor
            # then writes one for every event instead of carrying small ones in their marker.
            from ..executor.display.protocol import EVENT_FILES_VARIABLE

            self.env[EVENT_FILES_VARIABLE] = "1"
        if "pexpect_timeout" not in self.settings:
            # Upstream's expect loop wakes up once per pexpect_timeout (5 s by default) to check
            # for cancel and timeouts. Wake up every second, so cancel by Receptor (SIGTERM)
            # ends an FTL2 job within about a second. env/settings still overrides it, up to a cap.
            self.pexpect_timeout = DEFAULT_PEXPECT_TIMEOUT
        elif not isinstance(self.pexpect_timeout, (int, float)) or self.pexpect_timeout > MAX_PEXPECT_TIMEOUT:
            self.pexpect_timeout = MAX_PEXPECT_TIMEOUT

    def generate_ansible_command(self) -> list[str]:
        if self.playbook and self._is_delegable_playbook():
            return super().generate_ansible_command()  # a real playbook: ansible-runner's own command
        # Let upstream assemble ansible-playbook's arguments (cmdline, -i, --limit, -e, -v,
        # --tags, --forks) by asking for a "binary" run, then swap in our program.
        saved_binary, self.binary = self.binary, "ftl2-runner-executor"
        try:
            command = super().generate_ansible_command()
        finally:
            self.binary = saved_binary
        command = executor_command() + command[1:]
        if self.module is not None:
            command += ["-m", self.module]
            if self.module_args is not None:
                command += ["-a", self.module_args]
            if self.host_pattern is not None:
                command.append(self.host_pattern)
        elif self.playbook:
            command.append(self.playbook)
        elif self.script_path:
            command.append(self.script_path)
        # RAW: upstream must not demand a playbook; the executor reports a missing script.
        self.execution_mode = ExecutionMode.RAW
        return command

    def _is_delegable_playbook(self) -> bool:
        """An Ansible playbook (not Python) and an ``ansible-playbook`` on the job's PATH."""
        from ..intake.playbook_kind import ANSIBLE, playbook_kind

        path = os.path.join(self.project_dir, self.playbook)
        if playbook_kind(path) != ANSIBLE:
            return False
        return shutil.which("ansible-playbook", path=self.env.get("PATH", os.defpath)) is not None
