"""The ``ansible.cfg`` a job finds, applied as ansible-core applies it: under the environment.

AWX runs a job in its project directory, and real projects carry an ``ansible.cfg`` there
(``remote_user``, ``private_key_file``, ``host_key_checking``, ``forks``, ``become``...): ignored,
a job that works under ansible-playbook cannot reach its hosts. ansible-core takes the first of
``$ANSIBLE_CONFIG`` (a file, or a directory holding ``ansible.cfg``), ``./ansible.cfg`` (not in a
world-writable directory: it warns and skips it), ``~/.ansible.cfg`` and
``/etc/ansible/ansible.cfg``; an ``ANSIBLE_*`` variable beats the file's value, a command-line
flag beats both. So the settings ftl2-runner honours are read from the environment, and the
file's values are put there first, each under its ``ANSIBLE_*`` name, where the environment does
not set it already. A setting the file has that a job would run differently without, and that
ftl2-runner does not apply, is named in a warning rather than ignored in silence.
"""

from __future__ import annotations

import configparser
import os
import stat
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field

# (section, key) -> the environment variable ansible-core reads for it, for the settings ftl2-runner applies.
APPLIED: dict[tuple[str, str], str] = {
    ("defaults", "remote_user"): "ANSIBLE_REMOTE_USER",
    ("defaults", "private_key_file"): "ANSIBLE_PRIVATE_KEY_FILE",
    ("defaults", "remote_port"): "ANSIBLE_REMOTE_PORT",
    ("defaults", "host_key_checking"): "ANSIBLE_HOST_KEY_CHECKING",
    ("defaults", "forks"): "ANSIBLE_FORKS",
    ("defaults", "interpreter_python"): "ANSIBLE_PYTHON_INTERPRETER",
    ("defaults", "inject_facts_as_vars"): "ANSIBLE_INJECT_FACT_VARS",
    ("defaults", "deprecation_warnings"): "ANSIBLE_DEPRECATION_WARNINGS",
    ("defaults", "display_args_to_stdout"): "ANSIBLE_DISPLAY_ARGS_TO_STDOUT",
    ("defaults", "check_mode_markers"): "ANSIBLE_CHECK_MODE_MARKERS",
    ("defaults", "nocolor"): "ANSIBLE_NOCOLOR",
    ("defaults", "force_color"): "ANSIBLE_FORCE_COLOR",
    ("privilege_escalation", "become"): "ANSIBLE_BECOME",
    ("privilege_escalation", "become_user"): "ANSIBLE_BECOME_USER",
    ("privilege_escalation", "become_method"): "ANSIBLE_BECOME_METHOD",
}

# Settings with no bearing on a script's job (where ansible-core finds plugins, roles, its own
# caches, retry files, how it prints when AWX's callback replaces the printer anyway): no warning.
NO_BEARING: frozenset[tuple[str, str]] = frozenset(
    (
        ("defaults", "roles_path"),
        ("defaults", "collections_path"),
        ("defaults", "collections_paths"),
        ("defaults", "stdout_callback"),
        ("defaults", "retry_files_enabled"),
        ("defaults", "retry_files_save_path"),
        ("defaults", "local_tmp"),
        ("defaults", "remote_tmp"),
        ("defaults", "gathering"),
        ("defaults", "fact_caching"),
        ("defaults", "fact_caching_connection"),
        ("defaults", "fact_caching_timeout"),
        ("defaults", "inventory"),
        ("defaults", "bin_ansible_callbacks"),
        ("defaults", "nocows"),
        ("defaults", "interpreter_python_fallback"),
        ("defaults", "log_path"),
        ("defaults", "command_warnings"),
        ("ssh_connection", "pipelining"),
        ("ssh_connection", "control_path"),
        ("ssh_connection", "control_path_dir"),
        ("ssh_connection", "retries"),
        ("persistent_connection", "command_timeout"),
        ("persistent_connection", "connect_timeout"),
        ("galaxy", "server_list"),
    )
)


@dataclass
class FoundConfig:
    """The config file ansible-core would read (``path`` None: none), and what reading it found."""

    path: str | None = None
    applied: list[str] = field(default_factory=list)  # "section.key" names put in the environment
    ignored: list[str] = field(default_factory=list)  # "section.key" names ftl2-runner does not apply
    warnings: list[str] = field(default_factory=list)  # ansible-core's own warnings about finding it


def find(environ: Mapping[str, str], cwd: str) -> tuple[str | None, list[str]]:
    """The path of the config file ansible-core reads, and its warnings (a world-writable cwd)."""
    warnings: list[str] = []
    named = environ.get("ANSIBLE_CONFIG")
    if named:
        path = os.path.expanduser(named)
        if os.path.isdir(path):
            path = os.path.join(path, "ansible.cfg")
        if os.path.isfile(path):
            return os.path.abspath(path), warnings
    here = os.path.join(cwd, "ansible.cfg")
    if os.path.isfile(here):
        try:
            world_writable = bool(os.stat(cwd).st_mode & stat.S_IWOTH)
        except OSError:
            world_writable = True
        if not world_writable:
            return os.path.abspath(here), warnings
        warnings.append(
            f"Ansible is being run in a world writable directory ({cwd}), ignoring it as an ansible.cfg source. "
            "For more information see https://docs.ansible.com/ansible/devel/reference_appendices/config.html#cfg-in-world-writable-dir"
        )
    for candidate in (os.path.expanduser("~/.ansible.cfg"), "/etc/ansible/ansible.cfg"):
        if os.path.isfile(candidate):
            return candidate, warnings
    return None, warnings


def read(path: str) -> dict[tuple[str, str], str]:
    """The file's settings, ``(section, key) -> value`` (ansible-core's parser: ``;`` starts an inline comment)."""
    parser = configparser.ConfigParser(inline_comment_prefixes=(";",), interpolation=None)
    parser.read(path, encoding="utf-8")
    return {(section, key): value for section in parser.sections() for key, value in parser.items(section, raw=True)}


def apply(environ: MutableMapping[str, str], cwd: str) -> FoundConfig:
    """Put the found file's applied settings into ``environ`` where it has none; say what it ignores.

    A file that cannot be parsed is ansible-core's fatal error too: ``ValueError`` with its words.
    """
    path, warnings = find(environ, cwd)
    found = FoundConfig(path=path, warnings=warnings)
    if path is None:
        return found
    try:
        settings = read(path)
    except (configparser.Error, UnicodeDecodeError, OSError) as exc:
        raise ValueError(f"Error reading config file ({path}): {exc}") from exc
    for (section, key), value in settings.items():
        name = f"{section}.{key}"
        variable = APPLIED.get((section, key))
        if variable is not None:
            found.applied.append(name)
            environ.setdefault(variable, _unquoted(value))
        elif (section, key) not in NO_BEARING:
            found.ignored.append(name)
    return found


def ignored_warning(found: FoundConfig) -> str | None:
    """The warning naming the file's settings a job may run differently without (None: there are none)."""
    if not found.ignored:
        return None
    names = ", ".join(found.ignored)
    return f"ftl2-runner does not apply these settings of {found.path}: {names}"


def _unquoted(value: str) -> str:
    """ansible-core strips one pair of matching quotes around a config value."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value
