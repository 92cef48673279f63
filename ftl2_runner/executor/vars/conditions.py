"""``when``, ``changed_when`` and ``failed_when``: per host, as Ansible evaluates them.

A condition is one of three things, so a playbook's condition can be pasted and a Python
author need not learn Jinja:

* a ``bool`` — the same for every host (``when=False``);
* a string — an Ansible conditional (a Jinja expression such as ``marker.stdout == "ready"``
  or ``result is failed``), evaluated against the host's variables; Ansible's ``false_condition``
  is the text itself;
* a callable — plain Python; ``when`` callables get the host's variables (a mapping with
  attribute access: ``lambda v: v.marker.stdout == "ready"``), ``changed_when`` /
  ``failed_when`` callables get the host's result. ``false_condition`` is the lambda's source
  text.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from ...script import Result
from .booleans import ansible_bool
from .lazy import LazyDict, materialized
from .magic import OMIT
from .template_errors import ConditionError as ConditionError  # where every consumer imports them from
from .template_errors import UndefinedVariable as UndefinedVariable

# ansible-core's words for a variable that reads itself (it finds it by Python's recursion limit).
RECURSION = "Recursive loop detected in template: maximum recursion depth exceeded"


def none_as_empty(value: Any) -> Any:
    """ansible-core 2.19+ writes nothing for a ``None`` inside a template's text (``a{{ none }}b`` is ``ab``);
    a template that is one expression still gives ``None`` itself."""
    return "" if value is None else value


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    from ..vars.ansible_jinja import TemplateEnvironment, install

    # As Ansible templates args: its environment trims the newline after a block tag (the template's
    # trailing newlines are put back by _trailing_newlines), reads backslashes in `{{ }}` as its lexer
    # does, and has ansible.builtin's filters and tests.
    env = TemplateEnvironment(undefined=jinja2.StrictUndefined, trim_blocks=True, finalize=none_as_empty)
    install(env)
    from .lookup_plugins import install as install_lookups

    install_lookups(env, render_file)
    env.globals["omit"] = OMIT
    return env


class _Scope(Mapping[str, Any]):
    """What a template's names resolve to: the host's variables (read one by one, when the template reads
    them, so a variable's own template is rendered only if used), then Jinja's globals.

    It is handed to Jinja as the context's parent as it is (``new_context(..., shared=True)``): copying the
    variables into a dict, as ``render(**variables)`` does, would render every variable of the host for
    every template.
    """

    def __init__(self, variables: Mapping[str, Any], globals_: Mapping[str, Any]) -> None:
        self._variables = variables
        self._globals = globals_

    @property
    def variables(self) -> Mapping[str, Any]:
        """The host's variables (what a lookup plugin is given)."""
        return self._variables

    def __getitem__(self, name: str) -> Any:
        try:
            value = self._variables[name]
        except KeyError:
            return self._globals[name]
        except UndefinedVariable as exc:
            return _environment().undefined(hint=str(exc), name=name)
        return _plain(value)

    def __contains__(self, name: object) -> bool:
        return name in self._variables or name in self._globals

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self._globals), **dict.fromkeys(self._variables)})

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _run(template: Any, variables: Mapping[str, Any]) -> Any:
    """Render a compiled Jinja template against the variables; returns the output's chunks joined."""
    context = template.new_context(_Scope(variables, template.globals), shared=True)
    return template.environment.concat(template.root_render_func(context))


def _evaluate(expression: Any, variables: Mapping[str, Any]) -> Any:
    """A compiled expression's value (what ``TemplateExpression.__call__`` does, with the lazy scope)."""
    template = expression._template
    context = template.new_context(_Scope(variables, template.globals), shared=True)
    for _ in template.root_render_func(context):
        pass
    return context.vars["result"]


@lru_cache(maxsize=256)
def _compiled(expression: str, as_template: bool = False) -> Any:
    import jinja2

    from ..vars.ansible_jinja import expression_as_template

    def compile_it() -> Any:
        return _environment().compile_expression(expression, undefined_to_none=False)

    try:
        return expression_as_template(compile_it) if as_template else compile_it()
    except jinja2.TemplateSyntaxError as exc:
        raise ConditionError(f"template error while templating string: {exc.message}. String: {expression}") from exc


@lru_cache(maxsize=256)
def _names_in(source: str) -> tuple[str, ...]:
    """The variables a template reads (Jinja's undeclared names), for the deprecations, in the order the
    template first names them (ansible-core reports them as it reads them)."""
    import re

    import jinja2
    from jinja2 import meta

    try:
        names = meta.find_undeclared_variables(_environment().parse(source))
    except jinja2.TemplateSyntaxError:
        return ()

    def first_use(name: str) -> int:
        found = re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", source)
        return found.start() if found else len(source)

    return tuple(sorted(names, key=lambda name: (first_use(name), name)))


def _note_reads(source: str, variables: Mapping[str, Any]) -> None:
    note = getattr(variables, "note_reads", None)
    if note is not None:
        note(_names_in(source))


def evaluate_expression(expression: str, variables: Mapping[str, Any], as_template: bool = False) -> Any:
    """An Ansible (Jinja) expression's value for these variables (``as_template``: the expression is a
    whole ``{{ }}`` template, whose string constants Ansible reads differently from a condition's)."""
    import jinja2

    from ..vars.plugin_support import TemplatePluginFailure

    _note_reads("{{ " + expression + " }}", variables)
    try:
        # Results as the plain dicts they are in Ansible (Jinja then says "'dict object' has no attribute").
        value = _evaluate(_compiled(expression, as_template), variables)
        if isinstance(value, jinja2.Undefined):
            value._fail_with_undefined_error()
        return materialized(value)  # what leaves a template is plain data, every item rendered
    except jinja2.UndefinedError as exc:
        raise UndefinedVariable(str(exc.message)) from exc
    except RecursionError:
        raise ConditionError(RECURSION) from None
    except TemplatePluginFailure as exc:
        raise ConditionError(str(exc)) from exc
    except jinja2.exceptions.SecurityError as exc:  # the sandbox: ansible-core's words are Jinja's
        raise ConditionError(str(exc)) from exc
    except ConditionError:
        raise
    except Exception as exc:
        raise ConditionError(f"{type(exc).__name__}: {exc}") from exc


def _plain(value: Any) -> Any:
    if isinstance(value, Result):
        return dict(value)
    if isinstance(value, dict) and type(value) is not dict and not isinstance(value, LazyDict):
        return {k: dict(v) if isinstance(v, Result) else v for k, v in value.items()}
    return value


class AttributeView(Mapping[str, Any]):
    """A host's variables for Python code (a condition, an argument's callable): ``v.marker.stdout`` as well
    as ``v["marker"]``; each variable is read (and templated) when the code reads it."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = values

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


def holds(condition: Any, subject: Mapping[str, Any], variables: Mapping[str, Any] | None = None) -> bool:
    """Whether ``condition`` is true for one host.

    ``subject`` is what a callable receives (the host's variables for ``when``, its result for
    ``changed_when``/``failed_when``); a string is evaluated against ``variables`` (else ``subject``).
    """
    if condition is None:
        return True
    if isinstance(condition, bool):
        return condition
    if isinstance(condition, str):
        return ansible_bool(evaluate_expression(condition, variables if variables is not None else subject))
    if callable(condition):
        argument = subject if isinstance(subject, Result) else AttributeView(subject)
        try:
            return bool(_call(condition, argument))
        except Exception as exc:
            raise ConditionError(f"{type(exc).__name__}: {exc}") from exc
    return bool(condition)


def _call(condition: Callable[..., Any], argument: Any) -> Any:
    try:
        parameters = inspect.signature(condition).parameters
    except (TypeError, ValueError):
        return condition(argument)
    if not parameters:
        return condition()
    return condition(argument)


def condition_text(condition: Any) -> str | bool:
    """What Ansible shows as ``false_condition``: the expression as written (``when: false`` stays a boolean)."""
    if isinstance(condition, str):
        return condition
    if isinstance(condition, bool) or condition is None:
        return bool(condition) if condition is not None else True
    return _source_of(condition) or str(getattr(condition, "__name__", repr(condition)))


def _source_of(function: Any) -> str | None:
    """The body of a lambda (or the name of a function) as it is written in the script."""
    if getattr(function, "__name__", "") != "<lambda>":
        return getattr(function, "__name__", None)
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return None
    arguments = list(function.__code__.co_varnames[: function.__code__.co_argcount])
    found: list[tuple[list[str], str]] = []
    start = source.find("lambda")
    while start != -1:
        rest = source[start:]
        for end in range(len(rest), 6, -1):  # the longest piece that parses as a lambda
            try:
                node = ast.parse(rest[:end], mode="eval").body
            except SyntaxError:
                continue
            if isinstance(node, ast.Lambda):
                body = ast.get_source_segment(rest[:end], node.body)
                if body:
                    found.append(([a.arg for a in node.args.args], " ".join(body.split())))
                break
        start = source.find("lambda", start + 1)
    for names, body in found:
        if names == arguments:
            return body
    return found[0][1] if found else None


def render(text: str, variables: Mapping[str, Any]) -> Any:
    """A string with ``{{ ... }}`` rendered against the host's variables, as Ansible templates task args.

    A string that is one expression and nothing else keeps the expression's type (``"{{ port }}"`` is
    an int when ``port`` is), as ansible-core 2.19+ does. :class:`~ftl2_runner.unsafe.UnsafeText`
    is returned as it is, and an unsafe text inside ``text`` is kept verbatim (:mod:`ftl2_runner.unsafe`).
    """
    import re

    import jinja2

    from ...data.unsafe import UnsafeText, shield, unshield
    from ..vars.plugin_support import TemplatePluginFailure

    if isinstance(text, UnsafeText) or ("{{" not in text and "{%" not in text):
        return text
    # An !unsafe value's text is never template code, even inside a string the script built from it.
    template, kept = shield(text)
    if kept and "{{" not in template and "{%" not in template:
        return UnsafeText(text)
    # One expression: Jinja drops a template's last newline, so `"{{ x }}\n"` is one too; a text result
    # gets its trailing newlines back, as ansible-core's preserve_trailing_newlines does (" {{ x }} " is text).
    whole = re.fullmatch(r"\{\{(.*)\}\}\n?", template, re.DOTALL)
    if whole and _one_expression(template):
        value = evaluate_expression(whole.group(1).strip(), variables, as_template=True)
        return unshield(_trailing_newlines(template, value, "\n") if isinstance(value, str) else value, kept)
    _note_reads(template, variables)
    try:
        rendered = _run(_template(template), variables)
        return unshield(_trailing_newlines(template, rendered, "\n"), kept)
    except jinja2.UndefinedError as exc:
        raise UndefinedVariable(str(exc.message)) from exc
    except RecursionError:
        raise ConditionError(RECURSION) from None
    except TemplatePluginFailure as exc:
        raise ConditionError(str(exc)) from exc
    except jinja2.exceptions.SecurityError as exc:  # the sandbox: ansible-core's words are Jinja's
        raise ConditionError(str(exc)) from exc
    except jinja2.TemplateError as exc:
        raise ConditionError(f"template error while templating string: {exc}") from exc


@lru_cache(maxsize=256)
def _template(text: str) -> Any:
    return _environment().from_string(text)


def _one_expression(text: str) -> bool:
    """Whether a template is one ``{{ }}`` block and nothing else (a ``}}`` inside a string or a dict
    literal, as in ``{{ {'a': {'b': 1}} }}``, still makes one)."""
    import jinja2

    try:
        kinds = [kind for _, kind, _ in _environment().lex(text)]
    except jinja2.TemplateSyntaxError:
        return False
    return kinds.count("variable_begin") == 1 and "block_begin" not in kinds and "comment_begin" not in kinds


def render_file(path: str, variables: Mapping[str, Any], searchpath: list[str], **options: Any) -> str:
    """A template file rendered against the host's variables, as Ansible's ``template`` action renders it.

    ``options`` are Jinja's environment options the action takes from its arguments (``trim_blocks``,
    ``lstrip_blocks``, ``newline_sequence``, the ``*_string`` delimiters); the filters and tests are
    those of task arguments.
    """
    import jinja2

    from ..vars.ansible_jinja import AnsibleSandbox
    from ..vars.plugin_support import TemplatePluginFailure

    base = _environment()
    env = AnsibleSandbox(loader=jinja2.FileSystemLoader(searchpath), undefined=jinja2.StrictUndefined, finalize=none_as_empty, **options)
    env.filters.update(base.filters)
    env.tests.update(base.tests)
    env.globals.update(base.globals)
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        rendered = _run(env.from_string(text), variables)
        return _trailing_newlines(text, rendered, options.get("newline_sequence", "\n"))
    except jinja2.UndefinedError as exc:
        raise UndefinedVariable(str(exc.message)) from exc
    except RecursionError:
        raise ConditionError(RECURSION) from None
    except TemplatePluginFailure as exc:
        raise ConditionError(str(exc)) from exc
    except jinja2.exceptions.SecurityError as exc:  # the sandbox: ansible-core's words are Jinja's
        raise ConditionError(str(exc)) from exc
    except jinja2.TemplateError as exc:
        raise ConditionError(f"template error while templating string: {exc}") from exc


def _trailing_newlines(template: str, rendered: str, newline: str) -> str:
    """ansible-core's ``preserve_trailing_newlines``: as many newlines at the end as the template had.

    (Jinja's ``keep_trailing_newline`` would keep them in included templates too, which Ansible does not.)
    """

    def count(text: str) -> int:
        return len(text) - len(text.rstrip("\n"))

    missing = count(template) - count(rendered)
    return rendered + newline * missing if missing > 0 else rendered
