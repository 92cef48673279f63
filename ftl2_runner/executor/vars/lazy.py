"""Containers whose templates are rendered item by item, when an item is read.

ansible-core 2.19+ renders a variable's dict or list lazily: ``{{ settings.port }}`` renders
``port`` and nothing else, so another key whose template reads an undefined variable does not
fail the task. :class:`LazyDict` and :class:`LazyList` are a ``dict`` and a ``list`` holding the
values as their source wrote them; reading an item renders it (``render`` is the variable plane's,
with the reading host's variables), and so do iterating, comparing and printing them. What leaves
a template (an expression's result, a variable shown by ``debug``) is made plain by
:func:`materialized`, every item rendered, as ansible-core finalizes a template's result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, SupportsIndex, overload

Render = Callable[[Any], Any]


class LazyDict(dict[Any, Any]):
    """A mapping of a variable's value, its items rendered when read."""

    __slots__ = ("_render",)

    def __init__(self, raw: dict[Any, Any], render: Render) -> None:
        super().__init__(raw)
        self._render = render

    def __getitem__(self, key: Any) -> Any:
        return self._render(dict.__getitem__(self, key))

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self else default

    def items(self) -> Any:  # dict's view types cannot be built here: a list of pairs, as Jinja's filters iterate them
        return [(key, self[key]) for key in dict.keys(self)]

    def values(self) -> Any:
        return [self[key] for key in dict.keys(self)]

    def copy(self) -> dict[Any, Any]:
        return materialized(self)

    def __eq__(self, other: object) -> bool:
        return materialized(self) == (materialized(other) if isinstance(other, (LazyDict, LazyList)) else other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __repr__(self) -> str:
        return repr(materialized(self))


class LazyList(list[Any]):
    """A list of a variable's value, its items rendered when read."""

    __slots__ = ("_render",)

    def __init__(self, raw: list[Any], render: Render) -> None:
        super().__init__(raw)
        self._render = render

    @overload
    def __getitem__(self, index: SupportsIndex) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: SupportsIndex | slice) -> Any:
        if isinstance(index, slice):
            return [self._render(item) for item in list.__getitem__(self, index)]
        return self._render(list.__getitem__(self, index))

    def __iter__(self) -> Iterator[Any]:
        return (self._render(item) for item in list.__iter__(self))

    def copy(self) -> list[Any]:
        return materialized(self)

    def __eq__(self, other: object) -> bool:
        return materialized(self) == (materialized(other) if isinstance(other, (LazyDict, LazyList)) else other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None

    def __repr__(self) -> str:
        return repr(materialized(self))


def materialized(value: Any) -> Any:
    """``value`` with every lazy container in it rendered into a plain ``dict``/``list``."""
    if isinstance(value, LazyDict):
        return {key: materialized(value[key]) for key in dict.keys(value)}
    if isinstance(value, LazyList):
        return [materialized(item) for item in value]
    if type(value) is dict:
        return {key: materialized(item) for key, item in value.items()} if _holds_lazy(value) else value
    if type(value) is list:
        return [materialized(item) for item in value] if _holds_lazy(value) else value
    return value


def _holds_lazy(value: Any) -> bool:
    items = value.values() if isinstance(value, dict) else value
    return any(isinstance(item, (LazyDict, LazyList)) or (type(item) in (dict, list) and _holds_lazy(item)) for item in items)
