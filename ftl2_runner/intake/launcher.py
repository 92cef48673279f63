"""Launchers: a tiny YAML play AWX lists that says which FTL2 script to run.

A job template must name a playbook of its project, so a script that lives outside the
project — the execution environment's ``/opt/ftl2/main.py`` or ``$FTL2_SCRIPT`` — is
unreachable from AWX on its own. A launcher bridges that gap::

    - name: Deploy with FTL2
      hosts: all
      gather_facts: false
      vars:
        ftl2_script: default        # or scripts/deploy.py, or /opt/ftl2/other.py

What makes a file a launcher, unambiguously: a YAML playbook in which some play has
``ftl2_script`` in its ``vars``. A launcher is one play with only ``name``, ``hosts``,
``gather_facts: false`` and ``vars``; anything else (tasks, roles, a second play) is an
error rather than a guess, because ansible-playbook would run those tasks and never the
script, and ftl2-runner would run the script and never the tasks. A playbook that does not
mention ``ftl2_script`` is not a launcher and keeps its usual path (ansible-playbook).

Which scripts a launcher may name (a project author writes it; the node is not theirs):

* ``default``: the job's ``$FTL2_SCRIPT``, else ``/opt/ftl2/main.py`` — what a job naming
  no playbook runs;
* a relative path: resolved from the launcher's directory and, after following symlinks,
  inside the project (so never ``../env/ssh_key`` or ``../artifacts``);
* an absolute path: only the job's ``$FTL2_SCRIPT`` itself, or a file under one of the
  directories in ``$FTL2_RUNNER_SCRIPT_DIRS`` (``:``-separated; default ``/opt/ftl2``),
  again after following symlinks.

The named file must be a regular file holding Python (an FTL2 script); another YAML
file — including another launcher — is refused. The play's ``hosts`` becomes the
script's default host pattern; its other ``vars`` are defaults under the job's extra vars.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .playbook_kind import LAUNCHER_KEY, mentions_launcher_key

DEFAULT_KEYWORD = "default"
DEFAULT_SCRIPT = "/opt/ftl2/main.py"
DEFAULT_SCRIPT_DIRS = "/opt/ftl2"
SCRIPT_DIRS_ENV = "FTL2_RUNNER_SCRIPT_DIRS"
_ALLOWED_PLAY_KEYS = {"name", "hosts", "gather_facts", "vars"}


class LauncherError(Exception):
    """A launcher that cannot be run as written; the message says what to change."""


@dataclass
class Launcher:
    script: str  # as written: "default", a relative or an absolute path
    hosts: str | None = None
    variables: dict[str, Any] = field(default_factory=dict)  # the play's vars without ftl2_script


def is_launcher_without_dash(source: str) -> bool:
    """``hosts: all`` / ``vars: {ftl2_script: x}`` written as a mapping instead of a list of plays.

    That text is valid Python (two annotated names), so it would be run as a script and die
    with ``NameError``; it is clearly a launcher missing its leading ``- ``.
    """
    if LAUNCHER_KEY not in source:
        return False
    import yaml

    from ..data import ansible_yaml

    try:
        data = ansible_yaml.load(source)
    except yaml.YAMLError:
        return False
    return isinstance(data, Mapping) and mentions_launcher_key([data])


def parse_launcher(data: Any, path: str = "<launcher>") -> Launcher:
    """A launcher from a loaded playbook that mentions ``ftl2_script``; ``LauncherError`` if malformed."""
    if not isinstance(data, list) or len(data) != 1 or not isinstance(data[0], Mapping):
        raise LauncherError(f"{path}: a launcher is a playbook of exactly one play that names {LAUNCHER_KEY} in its vars")
    play = data[0]
    if LAUNCHER_KEY in play:
        raise LauncherError(f"{path}: put {LAUNCHER_KEY} under the play's 'vars:', not on the play itself")
    extra = sorted(str(key) for key in play if key not in _ALLOWED_PLAY_KEYS)
    if extra:
        raise LauncherError(
            f"{path}: a launcher play runs the FTL2 script named by {LAUNCHER_KEY} and nothing else; it may only have "
            f"name, hosts, gather_facts: false and vars, not {', '.join(extra)} (remove {LAUNCHER_KEY} to run the "
            "play with ansible-playbook instead)"
        )
    if play.get("gather_facts") not in (None, False):
        raise LauncherError(f"{path}: a launcher must say 'gather_facts: false': FTL2 scripts do not gather facts first")
    play_vars = dict(play["vars"])
    script = play_vars.pop(LAUNCHER_KEY)
    if not isinstance(script, str) or not script.strip():
        raise LauncherError(f"{path}: {LAUNCHER_KEY} must be a path or '{DEFAULT_KEYWORD}', not {script!r}")
    if "\x00" in script:
        raise LauncherError(f"{path}: {LAUNCHER_KEY} {script!r} contains a NUL byte, which no file name can; name the script by its path")
    if "{{" in script or "{%" in script:
        raise LauncherError(f"{path}: {LAUNCHER_KEY} is a plain path; templates ({script!r}) are not expanded")
    hosts = play.get("hosts")
    if isinstance(hosts, list):
        hosts = ",".join(str(h) for h in hosts)
    if hosts is not None and not isinstance(hosts, str):
        raise LauncherError(f"{path}: the launcher's hosts must be a host pattern, not {hosts!r}")
    return Launcher(script=script.strip(), hosts=hosts.strip() if hosts else None, variables=play_vars)


def read_launcher(path: str) -> Launcher | None:
    """The launcher in ``path``, None when the file is not one (``LauncherError`` when it is a broken one)."""
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except (OSError, UnicodeDecodeError):
        return None
    if LAUNCHER_KEY not in source:
        return None  # the common case, a script: no YAML parse at job start
    import yaml

    from ..data import ansible_yaml

    try:
        data = ansible_yaml.load(source)
    except yaml.YAMLError:
        return None
    if not mentions_launcher_key(data):
        return None
    return parse_launcher(data, path)


def resolve_script(launcher: Launcher, launcher_path: str, environ: Mapping[str, str] = os.environ, project_root: str | None = None) -> str:
    """The real path of the script a launcher names, after checking that it may be run.

    ``project_root`` bounds relative paths (the job's project directory, which is the
    executor's cwd under ansible-runner); it defaults to the launcher's own directory.
    """
    launcher_dir = os.path.dirname(os.path.abspath(launcher_path))
    written = launcher.script
    if written == DEFAULT_KEYWORD:
        chosen = environ.get("FTL2_SCRIPT") or DEFAULT_SCRIPT
        return _checked_file(os.path.realpath(chosen), f"{LAUNCHER_KEY}: {DEFAULT_KEYWORD} ({chosen})")
    if not os.path.isabs(written):
        root = os.path.realpath(project_root or launcher_dir)
        real = os.path.realpath(os.path.join(launcher_dir, written))
        if not _inside(real, root):
            raise LauncherError(
                f"{LAUNCHER_KEY}: {written} leaves the project ({real} is outside {root}); a relative path must name "
                "a script inside the project"
            )
        return _checked_file(real, f"{LAUNCHER_KEY}: {written}")
    real = os.path.realpath(written)
    allowed_dirs = allowed_script_dirs(environ)
    baked = environ.get("FTL2_SCRIPT")
    if not ((baked and real == os.path.realpath(baked)) or any(_inside(real, d) for d in allowed_dirs)):
        raise LauncherError(
            f"{LAUNCHER_KEY}: {written} is not a script this node allows; absolute paths must be $FTL2_SCRIPT or lie "
            f"under {SCRIPT_DIRS_ENV} ({':'.join(allowed_dirs) or 'empty'}) — put the script in the project and name it "
            "by a relative path, or ask the execution environment's maintainer to bake it in"
        )
    return _checked_file(real, f"{LAUNCHER_KEY}: {written}")


def allowed_script_dirs(environ: Mapping[str, str] = os.environ) -> list[str]:
    value = environ.get(SCRIPT_DIRS_ENV, DEFAULT_SCRIPT_DIRS)
    return [os.path.realpath(d) for d in value.split(":") if d.strip()]


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:
        return False


def _checked_file(real: str, label: str) -> str:
    from .playbook_kind import ANSIBLE, LAUNCHER, playbook_kind

    if not os.path.exists(real):
        raise LauncherError(f"{label}: {real} could not be found")
    if not os.path.isfile(real):
        raise LauncherError(f"{label}: {real} is not a regular file")
    kind = playbook_kind(real)
    if kind in (ANSIBLE, LAUNCHER):
        what = "another launcher" if kind == LAUNCHER else "an Ansible playbook"
        raise LauncherError(f"{label}: {real} is {what}, not an FTL2 script; a launcher runs a Python script")
    return real  # Python, or broken Python: the script loader reports its syntax error
