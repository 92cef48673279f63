"""``template`` as Ansible's action does it: one renderer, the same for local and remote hosts.

Ansible's ``template`` is an action: the controller finds the source (a relative ``src`` under the
playbook's ``templates/`` directory, then beside the playbook), renders it with the task's
variables for the host — every variable the host has, the task's ``vars``, and the ``template_*``
variables and ``ansible_managed`` the action adds — with the action's Jinja options (``trim_blocks``
on, the template's trailing newlines kept), writes the result into a file of its local temporary
directory (``~/.ansible/tmp/ansible-local-<pid>…/tmp…/<source name>``) and hands that file to its
``copy`` action. A variable no source defines fails the task, with the template as the cause.

:func:`render` is that renderer, for every host: :mod:`.remote_copy_action` hands the rendered file
(:func:`rendered_file`, :func:`copy_args`) to Ansible's ``copy`` action, here or through FTL2's gate,
so ``--check``/``--diff`` are ``copy``'s, with the rendered file as the diff's ``after`` header.
FTL2's own ``template`` shortcut is not used: it renders with its keyword arguments only (no host
variable), without Ansible's options, and resolves ``src`` from the working directory.

Keyword arguments that are not the action's options are template variables too (FTL2's
``template(src, dest, **variables)``), above the task's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..ftl2 import ansible_modules
from ..vars.booleans import ansible_bool
from ..vars.template_vars import template_vars

# ansible.module_utils.basic.FILE_COMMON_ARGUMENTS: what the action passes on to copy.
FILE_COMMON_ARGS = ("mode", "owner", "group", "seuser", "serole", "selevel", "setype", "attributes", "unsafe_writes")
# The template action's own options (Jinja's set-up and the output's encoding).
TEMPLATE_ONLY = (
    "newline_sequence",
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "trim_blocks",
    "lstrip_blocks",
    "output_encoding",
)
COPY_ARGS = frozenset((*FILE_COMMON_ARGS, "src", "dest", "backup", "force", "follow", "validate", "mode"))
# FTL2's template() keywords that are not template variables.
_FTL2_OPTIONS = frozenset(("become", "become_user", "_become_overrides", "state"))


class TemplateFailed(Exception):
    """The action fails: ``res`` is its result, ``cause`` what Ansible's error block shows under it."""

    def __init__(self, res: dict[str, Any], cause: str | None = None) -> None:
        super().__init__(res.get("msg"))
        self.res = res
        self.cause = cause

    def result(self) -> dict[str, Any]:
        """The failed result, carrying the cause for the error block (``failures.CAUSE``)."""
        from .failures import CAUSE

        return dict(self.res, failed=True, **({CAUSE: self.cause} if self.cause else {}))


@dataclass
class Rendered:
    source: str  # the template file found
    text: str
    encoding: str = "utf-8"


def find_source(src: str, subdir: str, playbook_dir: str) -> str | None:
    """``_find_needle``: an absolute path (normalised, links kept), a relative one under the playbook's
    ``files``/``templates``, then in the playbook's directory, then the working directory."""
    path = os.path.expanduser(os.path.expandvars(src))
    candidates = [path]
    if not os.path.isabs(path):
        candidates = [os.path.join(playbook_dir, subdir, path), os.path.join(playbook_dir, path), os.path.abspath(path)]
    return next((os.path.normpath(c) for c in candidates if os.path.exists(c)), None)


def playbook_dir(variables: Mapping[str, Any]) -> str:
    return str(variables.get("playbook_dir") or os.getcwd())


def _with(variables: Mapping[str, Any], extra: Mapping[str, Any]) -> Mapping[str, Any]:
    """The host's variables with the template's own above them (without reading every variable)."""
    with_values = getattr(variables, "with_values", None)
    return with_values(extra) if with_values is not None else {**variables, **extra}


def render(params: Mapping[str, Any], variables: Mapping[str, Any]) -> Rendered:
    """The template of ``params['src']`` rendered for one host, as ansible-core's action renders it."""
    from ..vars.conditions import ConditionError, render_file

    source, dest = params.get("src"), params.get("dest")
    if params.get("state") is not None:
        raise TemplateFailed({"changed": False, "msg": "'state' cannot be specified on a template"})
    if source is None or dest is None:
        raise TemplateFailed({"changed": False, "msg": "src and dest are required"})
    found = find_source(str(source), "templates", playbook_dir(variables))
    if found is None:
        raise TemplateFailed({"changed": False, "msg": f"Could not find or access '{source}' on the Ansible Controller."})
    given = params.get("newline_sequence", "\n")
    newline = {"\\n": "\n", "\\r": "\r", "\\r\\n": "\r\n"}.get(given, given)
    if newline not in ("\n", "\r", "\r\n"):
        raise TemplateFailed({"changed": False, "msg": "newline_sequence needs to be one of: \n, \r or \r\n"})
    options: dict[str, Any] = {
        "trim_blocks": ansible_bool(params.get("trim_blocks", True)),
        "lstrip_blocks": ansible_bool(params.get("lstrip_blocks", False)),
        "newline_sequence": newline,
    }
    options.update({k: str(params[k]) for k in TEMPLATE_ONLY if k.endswith("_string") and params.get(k) is not None})
    own = {k: v for k, v in params.items() if k not in COPY_ARGS and k not in TEMPLATE_ONLY and k not in _FTL2_OPTIONS}
    own.update(template_vars(str(source), found, str(dest), "ansible_managed" not in own and "ansible_managed" not in variables))
    searchpath = [os.path.join(playbook_dir(variables), "templates"), playbook_dir(variables), os.path.dirname(found)]
    try:
        text = render_file(found, _with(variables, own), searchpath, **options)
    except (ConditionError, OSError) as exc:
        message = str(exc) if isinstance(exc, ConditionError) else f"{type(exc).__name__}: {exc}"
        raise TemplateFailed({"changed": False, "msg": f"Task failed: {message}"}, f"{message}\nOrigin: {found}") from exc
    return Rendered(found, text, str(params.get("output_encoding") or "utf-8"))


@contextlib.contextmanager
def rendered_file(params: Mapping[str, Any], rendered: Rendered) -> Iterator[str]:
    """The rendered text in a file named as Ansible's action names it; removed afterwards."""
    local_tmp = ansible_modules.local_tmpdir()
    try:
        path = os.path.join(tempfile.mkdtemp(dir=local_tmp), os.path.basename(rendered.source))
        with open(path, "wb") as handle:
            handle.write(rendered.text.encode(rendered.encoding, "surrogateescape"))
        if params.get("mode") == "preserve":
            os.chmod(path, stat.S_IMODE(os.stat(rendered.source).st_mode))
        yield path
    finally:
        shutil.rmtree(local_tmp, ignore_errors=True)


def copy_args(params: Mapping[str, Any], rendered: Rendered, path: str) -> dict[str, Any]:
    """The ``copy`` arguments Ansible's action passes on: the rendered file to ``dest``."""
    args = {k: v for k, v in params.items() if k in COPY_ARGS and v is not None}
    if args.get("mode") == "preserve":
        args["mode"] = "0%03o" % stat.S_IMODE(os.stat(rendered.source).st_mode)
    args["src"] = path
    return args
