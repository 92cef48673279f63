"""What a template or condition that cannot be evaluated raises (below the renderer, so the lookups
the renderer calls can raise and catch them too)."""

from __future__ import annotations


class ConditionError(Exception):
    """A condition could not be evaluated (an undefined variable, a syntax error, an exception)."""


class UndefinedVariable(ConditionError):
    """A template read a variable no source defines (Jinja's ``'x' is undefined``).

    A variable whose own value reads an undefined one is undefined too, so ``default()`` applies to it
    and ``is defined`` is false, as ansible-core's lazy templating answers.
    """
