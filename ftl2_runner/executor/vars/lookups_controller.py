"""ansible-core's builtin lookups that read the controller: files, commands and the environment.

A lookup runs where ``ansible-playbook`` runs — here, the execution node — even in a task for a
remote host: ``lookup('file', 'motd')`` reads the project's ``files/motd``, ``lookup('pipe', 'id')``
runs ``id`` in the playbook's directory on the execution node. Files are found as ansible-core's
``find_file_in_search_path`` finds them (:func:`find_in_search_path`): an absolute or ``~`` path as
it is; a relative one under each directory of ``ansible_search_path`` (the playbook's directory)
in the plugin's subdirectory (``files/``, ``templates/``), then in that directory itself.

What these return is text from outside the job: :mod:`.lookup_plugins` marks it untrusted.
"""

from __future__ import annotations

import glob
import os
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .lookups import LookupError_

if TYPE_CHECKING:
    from .lookup_support import LookupCall, LookupPlugin

_VAULT_HEADER = "$ANSIBLE_VAULT;"


def _unfrack(path: str) -> str:
    return os.path.normpath(os.path.abspath(os.path.expanduser(os.path.expandvars(path))))


def search_paths(variables: Mapping[str, Any], playbook_dir: str) -> list[str]:
    """``ansible_search_path`` when the task has one, else the playbook's directory."""
    try:
        paths = variables.get("ansible_search_path")
    except Exception:
        paths = None
    return [str(p) for p in paths] if isinstance(paths, (list, tuple)) and paths else [playbook_dir]


def candidates(paths: Iterable[str], basedir: str, subdir: str | None, needle: str) -> list[str]:
    """Where ansible-core's ``path_dwim_relative_stack`` looks for a relative ``needle``, in order."""
    root = needle.split("/")[0]
    search: list[str] = []
    for path in [*paths, basedir]:
        base = _unfrack(path)
        if subdir and root != subdir:
            search.append(os.path.join(base, subdir, needle))
        search.append(os.path.join(base, needle))
    return search


def find_in_search_path(call: LookupCall, subdir: str | None, needle: str, ignore_missing: bool = True) -> str | None:
    """The file (or directory) ``needle`` names for a lookup, or None (with ansible-core's warning
    unless ``ignore_missing``)."""
    if needle.startswith(("~", os.sep)):
        path = _unfrack(needle)
        found = path if os.path.exists(path) else None
    else:
        search = candidates(search_paths(call.variables, call.playbook_dir), call.playbook_dir, subdir, needle)
        found = next((path for path in search if os.path.exists(path)), None)
    if found is None and not ignore_missing:
        call.warn(f"Unable to find '{needle}' in expected paths (use -vvvvv to see paths)")
    return found


def read_text(path: str, call: LookupCall) -> str:
    """A file's text as ansible-core's loader reads it: a vault-encrypted file decrypted with the job's secrets."""
    with open(path, "rb") as handle:
        text = handle.read().decode("utf-8", "surrogateescape")
    if text.startswith(_VAULT_HEADER):
        from ...data.vault import decrypt

        text = decrypt(text, call.job.secrets)
    return text


def _bool_option(value: Any) -> bool:
    from .booleans import ansible_bool

    return ansible_bool(value)


def _only(name: str, options: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise LookupError_(f"Unsupported option(s) for the {name} lookup: {', '.join(unknown)}")


# --- the plugins ---------------------------------------------------------------------------------


def env(terms: list[Any], call: LookupCall, default: Any = "", **options: Any) -> list[Any]:
    """``env``: each term's first word as an environment variable of the execution node (``default``, an
    empty string unless given, for an unset one; an undefined ``default`` makes it undefined)."""
    _only("env", options, ())
    return [os.environ.get(str(term).split()[0], default) for term in terms]


def file(terms: list[Any], call: LookupCall, lstrip: Any = False, rstrip: Any = True, **options: Any) -> list[Any]:
    """``file``: each file's text (``files/`` first), stripped on the right unless ``rstrip=false``."""
    _only("file", options, ())
    out: list[Any] = []
    for term in terms:
        try:
            found = find_in_search_path(call, "files", str(term))
            if not found:
                raise LookupError_("File not found. Use -vvvvv to see paths searched.")
            try:
                contents = read_text(found, call)
            except OSError as exc:
                raise LookupError_(f"Could not read the file {found!r}: {exc.strerror}") from None
        except Exception as exc:
            raise LookupError_(f"Unable to access the file {term!r}.") from exc
        if _bool_option(lstrip):
            contents = contents.lstrip()
        if _bool_option(rstrip):
            contents = contents.rstrip()
        out.append(contents)
    return out


def unvault(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    """``unvault``: each file's text, decrypted when it is a vault."""
    _only("unvault", options, ())
    out: list[Any] = []
    for term in terms:
        found = find_in_search_path(call, "files", str(term), ignore_missing=False)
        if not found:
            raise LookupError_(f'Unable to find file matching "{term}" ')
        out.append(read_text(found, call))
    return out


_TEMPLATE_OPTIONS = ("variable_start_string", "variable_end_string", "comment_start_string", "comment_end_string")


def template(terms: list[Any], call: LookupCall, template_vars: Any = None, trim_blocks: Any = True, **options: Any) -> list[Any]:
    """``template``: each template file (``templates/`` first) rendered with the host's variables, the
    ``template_*`` variables and ``template_vars`` above them — the renderer of the ``template`` action."""
    from .lookup_support import render_file
    from .template_vars import template_vars as file_vars

    _only("template", options, (*_TEMPLATE_OPTIONS, "convert_data", "jinja2_native"))
    out: list[Any] = []
    for term in terms:
        found = find_in_search_path(call, "templates", str(term), ignore_missing=False)
        if not found:
            raise LookupError_(f"the template file {term} could not be found for the lookup")
        searchpath = [os.path.dirname(found)]
        for path in search_paths(call.variables, call.playbook_dir):
            searchpath += [os.path.join(path, "templates"), path]
        own = file_vars(str(term), found, None, "ansible_managed" not in call.variables)
        own.update(dict(template_vars or {}))
        with_values = getattr(call.variables, "with_values", None)
        variables = with_values(own) if with_values is not None else {**call.variables, **own}
        jinja_options: dict[str, Any] = {"trim_blocks": _bool_option(trim_blocks)}
        jinja_options.update({name: str(options[name]) for name in _TEMPLATE_OPTIONS if options.get(name) is not None})
        out.append(render_file(found, variables, searchpath, **jinja_options))
    return out


def fileglob(patterns: Iterable[Any], playbook_dir: str, call: LookupCall | None = None) -> list[str]:
    """``fileglob``: the files (not directories) a pattern matches on the controller. A pattern with a
    directory: that directory as the search path finds it (``files/`` first); without: the pattern in
    ``files/``, then beside the playbook, the first with matches."""
    out: list[str] = []
    for term in patterns:
        term = str(term)
        name = os.path.basename(term)
        if name != term:
            if call is not None:
                where = find_in_search_path(call, "files", os.path.dirname(term), ignore_missing=False)
            else:
                search = candidates([playbook_dir], playbook_dir, "files", os.path.dirname(term))
                where = next((p for p in search if os.path.exists(p)), None)
            directories = [where] if where else []
        else:
            paths = search_paths(call.variables, playbook_dir) if call is not None else [playbook_dir]
            directories = [d for p in paths for d in (os.path.join(p, "files"), p)]
        for directory in directories:
            found = [path for path in glob.glob(os.path.join(directory, name)) if os.path.isfile(path)]
            if found:
                out.extend(found)
                break
    return out


def _fileglob_plugin(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    _only("fileglob", options, ())
    return fileglob(terms, call.playbook_dir, call)


def _split_on(value: Any, separators: str) -> list[str]:
    values = [value] if isinstance(value, str) else list(value or [])
    out: list[str] = []
    for item in values:
        text = str(item)
        for separator in separators[1:]:
            text = text.replace(separator, separators[0])
        out.extend(part.strip() for part in text.split(separators[0]) if part.strip())
    return out


def first_found(terms: list[Any], call: LookupCall, files: Any = None, paths: Any = None, skip: Any = False, **options: Any) -> list[Any]:
    """``first_found``: the first of the files that exists (``files:``/``paths:`` or a list of names), searched
    under ``templates/``, ``vars/`` or ``files/`` by the task's action, as an absolute path."""
    from .lookup_support import current_action

    _only("first_found", options, ())
    action = current_action.get() or "file"
    subdir = next((word for word in ("template", "var", "file") if word in action), "file") + "s"
    search: list[str] = []
    flat_skip = _bool_option(skip)

    def collect(items: Sequence[Any], default_paths: Any) -> None:
        nonlocal flat_skip
        for term in items:
            if isinstance(term, Mapping):
                names = _split_on(term.get("files", []), ",;")
                where = _split_on(term.get("paths", []), ",:;")
                if "skip" in term:
                    flat_skip = _bool_option(term["skip"])
            elif isinstance(term, str):
                names, where = _split_on(term, ",;"), _split_on(default_paths, ",:;")
            elif isinstance(term, Sequence):
                collect(term, default_paths)
                continue
            else:
                raise LookupError_(f"Invalid term supplied. A string, dict or list is required, not {type(term).__name__!r}).")
            search.extend(os.path.join(path, name) for path in where for name in names) if where else search.extend(names)

    collect(terms or _split_on(files, ",;"), paths)
    for name in search:
        found = find_in_search_path(call, subdir, name)
        if found is not None:
            return [os.path.normpath(os.path.abspath(os.path.expanduser(found)))]
    if flat_skip:
        return []
    raise LookupError_("No file was found when using first_found.")


def _run(command: str, call: LookupCall) -> tuple[int, bytes]:
    """A shell command on the execution node, in the playbook's directory, as ansible-core's ``pipe``/``lines``
    run it; what it prints on stderr is shown as the job's output (ansible-playbook's terminal)."""
    done = subprocess.run(command, shell=True, cwd=call.playbook_dir, stdin=subprocess.PIPE, capture_output=True, check=False)
    if done.stderr and call.job.display is not None:
        call.job.display(done.stderr.decode("utf-8", "replace").rstrip("\n"))
    return done.returncode, done.stdout


def pipe(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    """``pipe``: each command's output, stripped on the right; a non-zero exit fails the lookup."""
    _only("pipe", options, ())
    out: list[Any] = []
    for term in terms:
        rc, stdout = _run(str(term), call)
        if rc != 0:
            raise LookupError_(f"lookup_plugin.pipe({term}) returned {rc}")
        out.append(stdout.decode("utf-8").rstrip())
    return out


def lines(terms: list[Any], call: LookupCall, **options: Any) -> list[Any]:
    """``lines``: every line each command prints."""
    _only("lines", options, ())
    out: list[Any] = []
    for term in terms:
        rc, stdout = _run(str(term), call)
        if rc != 0:
            raise LookupError_(f"lookup_plugin.lines({term}) returned {rc}")
        out.extend(line.decode("utf-8", "surrogateescape") for line in stdout.splitlines())
    return out


def plugins() -> dict[str, LookupPlugin]:
    """These lookups by name, for :mod:`.lookup_plugins`."""
    from .lookup_support import LookupPlugin
    from .lookups_password import password

    return {
        "env": LookupPlugin(env, external=True, accepts_undefined=True),
        "file": LookupPlugin(file, external=True),
        "unvault": LookupPlugin(unvault, external=True),
        "template": LookupPlugin(template, external=True),
        "fileglob": LookupPlugin(_fileglob_plugin, external=True),
        "first_found": LookupPlugin(first_found, external=True),
        "pipe": LookupPlugin(pipe, external=True),
        "lines": LookupPlugin(lines, external=True),
        "password": LookupPlugin(password, external=True),
    }
