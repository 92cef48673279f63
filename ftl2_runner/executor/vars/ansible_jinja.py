"""Jinja as ansible-core 2.21 sets it up for task arguments and conditions: its builtin filters and tests,
its rules for calling them, and its reading of backslashes.

Every filter and test of ``ansible.builtin`` that needs no connection or lookup is installed, under
its short name and its fully qualified ones (``ansible.builtin.to_json``, ``ansible.legacy.to_json``);
Jinja's own filters and tests are kept and follow the same rules, as ansible-core wraps them too:

* an undefined argument fails the template with its own error (``'x' is undefined``) before the
  plugin runs, except for the few plugins made to receive one (``default``, ``mandatory``...);
* a plugin that raises fails the template with ``The filter plugin 'ansible.builtin.NAME' failed: ...``
  (or ``test plugin``), its causes appended;
* a filter's iterator or generator comes back as a list (``map``, ``select``, ``zip``, ``product``...);
  a test's answer is a boolean.

Ansible's lexer keeps a backslash in a string constant inside ``{{ }}`` as a backslash (the YAML
around the template has already read its escapes), so ``regex_replace('(a)', '\\1')`` written in
a playbook means ``\\1`` and not the character 0x01. :class:`TemplateEnvironment` does the same, in
``{{ }}`` blocks of templates and in a template that is one expression
(:func:`expression_as_template`), and not in ``{% %}`` statements nor in conditions, as ansible-core.
"""

from __future__ import annotations

import collections
import collections.abc as c
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any, cast

import jinja2
import jinja2.runtime
from jinja2.defaults import DEFAULT_FILTERS, DEFAULT_TESTS
from jinja2.lexer import TOKEN_STRING, TOKEN_VARIABLE_BEGIN, TOKEN_VARIABLE_END, Lexer
from jinja2.sandbox import SandboxedEnvironment

from . import filters_data, filters_math, filters_paths, filters_secrets, filters_text, tests_ansible
from .lazy import LazyDict, LazyList, materialized
from .plugin_support import TemplatePluginFailure

_ITERATORS = (c.Iterator, c.ItemsView, c.KeysView, c.ValuesView, range)
_COLLECTIONS = ("ansible.builtin", "ansible.legacy")
# ansible-core names Jinja's operator tests by their word.
_TEST_ALIASES = {"!=": "ne", "<": "lt", "<=": "le", "==": "eq", ">": "gt", ">=": "ge"}


def ansible_filters() -> dict[str, Callable[..., Any]]:
    """Every filter a template can use, by short name: Jinja's, with Ansible's over them."""
    found: dict[str, Callable[..., Any]] = {name: function for name, function in DEFAULT_FILTERS.items()}
    for family in (filters_data, filters_text, filters_paths, filters_math, filters_secrets):
        found.update(family.FILTERS)
    return found


def ansible_tests() -> dict[str, Callable[..., Any]]:
    """Every test a template can use, by short name: Jinja's, with Ansible's over them."""
    found = cast(dict[str, Callable[..., Any]], dict(DEFAULT_TESTS))
    found.update(tests_ansible.TESTS)
    return found


def _skip_passed(function: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The arguments of a call without the environment/context Jinja passes first to some plugins."""
    return args[1:] if getattr(function, "jinja_pass_arg", None) is not None else args


def _fail_on_undefined(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if getattr(function, "accepts_undefined", False):
        return
    for value in (*_skip_passed(function, args), *kwargs.values()):
        if isinstance(value, jinja2.Undefined):
            value._fail_with_undefined_error()


def _finalized(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """A plugin's arguments with a variable's lazy containers rendered, as ansible-core finalizes them."""
    if not any(isinstance(value, (LazyDict, LazyList)) for value in (*args, *kwargs.values())):
        return args, kwargs
    return tuple(materialized(value) for value in args), {key: materialized(value) for key, value in kwargs.items()}


def _as_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    label = f"ansible.builtin.{name}"

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        _fail_on_undefined(function, args, kwargs)
        args, kwargs = _finalized(args, kwargs)
        try:
            result = function(*args, **kwargs)
            return list(result) if isinstance(result, _ITERATORS) else result
        except jinja2.UndefinedError:
            raise
        except Exception as exc:
            raise TemplatePluginFailure("filter", label) from exc

    return call


def _as_test(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    label = f"ansible.builtin.{_TEST_ALIASES.get(name, name)}"

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> bool:
        _fail_on_undefined(function, args, kwargs)
        args, kwargs = _finalized(args, kwargs)
        try:
            return bool(function(*args, **kwargs))
        except jinja2.UndefinedError:
            raise
        except Exception as exc:
            raise TemplatePluginFailure("test", label) from exc

    return call


def _named(plugins: dict[str, Callable[..., Any]], wrap: Callable[[str, Callable[..., Any]], Callable[..., Any]]) -> dict[str, Any]:
    named: dict[str, Any] = {}
    for name, function in plugins.items():
        wrapped = wrap(name, function)
        named[name] = wrapped
        if name.isidentifier():
            for collection in _COLLECTIONS:
                named[f"{collection}.{name}"] = wrapped
    return named


def install(environment: jinja2.Environment) -> None:
    """Put ansible-core's builtin filters and tests, called by its rules, into ``environment``."""
    environment.filters.update(_named(ansible_filters(), _as_filter))
    environment.tests.update(_named(ansible_tests(), _as_test))


# --- backslashes -------------------------------------------------------------------------------

_EXPRESSION_AS_TEMPLATE: contextvars.ContextVar[bool] = contextvars.ContextVar("expression_as_template", default=False)


class _AnsibleLexer(Lexer):
    """Jinja's lexer, with backslashes doubled in string constants of ``{{ }}`` blocks before Jinja reads
    their escapes (so each stays one backslash)."""

    def tokeniter(
        self, source: str, name: str | None, filename: str | None = None, state: str | None = None
    ) -> Iterator[tuple[int, str, str]]:
        in_variable = state == "variable" and _EXPRESSION_AS_TEMPLATE.get()
        for lineno, token, value in super().tokeniter(source, name, filename, state):
            if token == TOKEN_VARIABLE_BEGIN:
                in_variable = True
            elif token == TOKEN_VARIABLE_END:
                in_variable = False
            elif in_variable and token == TOKEN_STRING:
                value = value.replace("\\", "\\\\")
            yield lineno, token, value


class LazyContext(jinja2.runtime.Context):
    """Jinja's context, whose ``get_all`` (what an ``{% include %}`` or a macro's caller is given) chains the
    template's own names over its variables instead of copying every variable into a dict: the host's
    variables are templated when read (``executor/vars/variables.py``), and a copy would read them all."""

    def get_all(self) -> Any:
        if not self.vars:
            return self.parent
        return collections.ChainMap(self.vars, self.parent)


class AnsibleSandbox(SandboxedEnvironment):
    """Jinja's sandbox, as ansible-core 2.21 runs every template (``AnsibleEnvironment`` is a
    ``SandboxedEnvironment``): no attribute that starts with ``_`` (``''.__class__.__mro__``,
    ``cycler.__init__.__globals__``), no function's internals, ``str.format`` sandboxed.

    A template's text does not always come from the script: a host's output, a fact or an
    inventory value can reach a module argument inside a string the script built. Outside the
    sandbox, attribute walking from any object reaches ``os`` and runs code in the executor.
    ``range`` is Python's own and ``int``'s bitwise operators are allowed, as in ansible-core.
    """

    context_class = LazyContext
    _allowed_unsafe_attributes: dict[str, type] = {"__and__": int, "__lshift__": int, "__or__": int, "__rshift__": int, "__xor__": int}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = range

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        allowed = self._allowed_unsafe_attributes.get(attr)
        if allowed is not None and isinstance(obj, allowed):
            return True
        return bool(super().is_safe_attribute(obj, attr, value))


class TemplateEnvironment(AnsibleSandbox):
    """A sandboxed Jinja environment that reads backslashes in ``{{ }}`` as ansible-core's template engine does."""

    @property
    def lexer(self) -> Lexer:
        lexer: Lexer | None = self.__dict__.get("_ansible_lexer")
        if lexer is None:
            lexer = self.__dict__["_ansible_lexer"] = _AnsibleLexer(self)
        return lexer


def expression_as_template(compile_expression: Callable[[], Any]) -> Any:
    """Compile an expression that is a whole template (``"{{ x }}"``), reading backslashes as a template's ``{{ }}``."""
    token = _EXPRESSION_AS_TEMPLATE.set(True)
    try:
        return compile_expression()
    finally:
        _EXPRESSION_AS_TEMPLATE.reset(token)
