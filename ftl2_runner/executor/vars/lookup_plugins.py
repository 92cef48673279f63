"""``lookup()``, ``query()`` and ``q()`` in templates, called as ansible-core 2.21 calls its lookup plugins.

A playbook's ``{{ lookup('file', 'motd') }}`` runs where ``ansible-playbook`` runs (the execution
node), whatever host the task is for; so does every template here, so a lookup is a function of
the template environment (:mod:`.conditions`), one for arguments, conditions, loops, ``debug``
and the ``template`` action alike. Each plugin is one function (``terms``, the call's
:class:`LookupCall`, its options) returning a list; the ``with_<lookup>`` loops of the script API
use the same functions (:mod:`.lookups`).

ansible-core's calling rules, kept here:

* ``lookup(name, *terms, **options)``; ``query``/``q`` force ``wantlist=True``. Without
  ``wantlist``, a result of one item is that item, several strings are joined with ``,``, and
  anything else is the list as it is;
* ``errors='strict'`` (default) fails the template with ``The lookup plugin 'NAME' failed: <cause>``;
  ``'warn'`` prints ``[WARNING]: An error occurred while running the lookup plugin 'NAME': <cause>``
  and gives ``None`` (``[]`` with ``wantlist``); ``'ignore'`` gives the same without a word;
* an undefined top-level term makes the lookup's value that undefined (``| default()`` applies);
* an unknown name fails with ``The lookup plugin 'NAME' was not found.``; ``ansible.builtin.NAME``
  and ``ansible.legacy.NAME`` are the builtin plugin;
* a lookup's result is data: ansible-core never templates it again. A result read from outside the
  job (a file, a command's output, the environment) is :class:`~ftl2_runner.data.unsafe.UnsafeText`,
  so a script that passes it on in a module argument does not make it a template either.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jinja2

from ...data.unsafe import UnsafeText
from .lookup_support import FileRenderer, JobLookups, LookupCall, LookupPlugin, job_lookups, use_file_renderer
from .plugin_support import TemplatePluginFailure, brief_message
from .template_errors import UndefinedVariable

_COLLECTIONS = ("ansible.builtin.", "ansible.legacy.")


class LookupFailure(Exception):
    """What a lookup plugin raises for its input (ansible-core's ``AnsibleError`` from a plugin)."""


class LookupNotFound(TemplatePluginFailure):
    """A name no lookup plugin has (not subject to ``errors=``, as in ansible-core)."""

    def __init__(self, name: str) -> None:
        Exception.__init__(self, f"The lookup plugin {name!r} was not found.")


class LookupNotAvailable(TemplatePluginFailure):
    """A builtin lookup of ansible-core that ftl2-runner does not run (said so, not "not found")."""

    def __init__(self, name: str) -> None:
        Exception.__init__(self, f"The lookup plugin {name!r} is not available in ftl2-runner (docs/compat.md).")


# ansible-core's builtin lookups not rebuilt here: a URL fetch, and files of formats no case compares yet.
_NOT_REBUILT = frozenset(("url", "csvfile", "ini"))


def _registry() -> dict[str, LookupPlugin]:
    from . import lookups, lookups_controller, lookups_variables

    return {**lookups.plugins(), **lookups_controller.plugins(), **lookups_variables.plugins()}


_PLUGINS: dict[str, LookupPlugin] = {}


def plugin_named(name: str) -> LookupPlugin:
    if not _PLUGINS:
        _PLUGINS.update(_registry())
    short = name
    for prefix in _COLLECTIONS:
        if name.startswith(prefix):
            short = name.removeprefix(prefix)
    found = _PLUGINS.get(short)
    if found is None and short in _NOT_REBUILT and short == name.rsplit(".", 1)[-1]:
        raise LookupNotAvailable(name)
    if found is None:
        raise LookupNotFound(name)
    return found


def _scope_variables(context: jinja2.runtime.Context) -> Mapping[str, Any]:
    """The host's variables behind a template's context (what ansible-core passes as ``variables``)."""
    parent = context.parent
    variables = getattr(parent, "variables", None)
    return variables if isinstance(variables, Mapping) else parent


def _first_undefined(terms: Sequence[Any], options: Mapping[str, Any]) -> Any:
    for value in (*terms, *options.values()):
        if isinstance(value, jinja2.Undefined):
            return value
    return None


def _untrusted(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, UnsafeText):
        return UnsafeText(value)
    if isinstance(value, list):
        return [_untrusted(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_untrusted(item) for item in value)
    if isinstance(value, dict):
        return {key: _untrusted(item) for key, item in value.items()}
    return value


def invoke(context: jinja2.runtime.Context, name: str, terms: list[Any], options: dict[str, Any]) -> Any:
    """One ``lookup()``/``query()`` call, with ansible-core's rules (module docstring)."""
    if not isinstance(name, str):
        raise LookupNotFound(str(name))
    plugin = plugin_named(name)
    if not plugin.accepts_undefined and (undefined := _first_undefined(terms, options)) is not None:
        return undefined
    wantlist = options.pop("wantlist", False)
    errors = options.pop("errors", "strict")
    call = LookupCall(_scope_variables(context), context.environment, job_lookups.get() or JobLookups())
    try:
        result = plugin.run(terms, call, **options)
        if isinstance(result, (str, bytes)) or not isinstance(result, Sequence):
            raise TypeError(f"returned {type(result)} instead of {list}")
    except (jinja2.UndefinedError, UndefinedVariable):
        raise
    except Exception as exc:
        if errors == "warn":
            call.warn(brief_message(_warning(name, exc)))
        elif errors != "ignore":
            raise TemplatePluginFailure("lookup", name) from exc
        return [] if wantlist else None
    result = list(result)
    if plugin.external:
        result = _untrusted(result)
    if not wantlist and result:
        if len(result) == 1:
            return result[0]
        if all(isinstance(item, str) for item in result):
            joined = ",".join(result)
            return UnsafeText(joined) if plugin.external else joined
    return result


def _warning(name: str, exc: Exception) -> Exception:
    warning = Exception(f"An error occurred while running the lookup plugin {name!r}.")
    warning.__cause__ = exc
    return warning


@jinja2.pass_context
def lookup(context: jinja2.runtime.Context, name: str, /, *terms: Any, **options: Any) -> Any:
    """``lookup(name, *terms, wantlist=False, errors='strict', **options)``."""
    return invoke(context, name, list(terms), options)


@jinja2.pass_context
def query(context: jinja2.runtime.Context, name: str, /, *terms: Any, **options: Any) -> Any:
    """``query(name, *terms, **options)`` (also ``q``): the lookup's list, always."""
    options["wantlist"] = True
    return invoke(context, name, list(terms), options)


def install(environment: jinja2.Environment, file_renderer: FileRenderer) -> None:
    """Put ``lookup``, ``query`` and ``q`` into a template environment's globals."""
    use_file_renderer(file_renderer)
    environment.globals.update(lookup=lookup, query=query, q=query)
