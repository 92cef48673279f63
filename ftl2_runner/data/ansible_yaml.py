"""YAML as ansible-core loads variables: PyYAML's safe loader plus the tags Ansible adds.

AWX writes ``env/extravars`` with ``!unsafe`` on keys and values; a project's vars may
carry ``!vault`` values. PyYAML's ``safe_load`` refuses both ("could not determine a
constructor for the tag '!unsafe'"), and with it every job AWX sends. The tags, as
ansible-core 2.21's loader documents and accepts them:

* ``!unsafe`` on any node: every string inside it (keys too, at any depth) is
  :class:`~ftl2_runner.unsafe.UnsafeText`, never templated; numbers, booleans and null
  are unchanged.
* ``!vault`` (and the deprecated ``!vault-encrypted``) on a string: an
  :class:`~ftl2_runner.vault.EncryptedValue`, decrypted once the job's vault secrets are
  known (:func:`ftl2_runner.vault.decrypt_tree`).
* ``!!python/dict`` and ``!!python/unicode``: a mapping and a string, as the plain forms.
* the YAML 1.1 types of the safe loader: ``!!binary`` (decoded as UTF-8 text when it is
  text, as ansible-core shows it), ``!!timestamp`` (a ``datetime``), ``!!set``
  (a list), ``!!omap`` and ``!!pairs`` (lists of pairs; both deprecated).

:func:`load` records what ansible-core warns about while loading (the deprecated tags, a
duplicate key) so the job can show it; anything else unknown is refused as by Ansible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .unsafe import UnsafeText


@dataclass
class LoadNotice:
    """Something ansible-core reports while loading a file: a deprecation or a warning."""

    kind: str  # "deprecation" or "warning"
    message: str
    line: int  # 1-based, of the node
    column: int  # 1-based
    help_text: str = ""


@dataclass
class Loaded:
    data: Any
    notices: list[LoadNotice] = field(default_factory=list)


class _Loader(yaml.SafeLoader):
    """The safe loader with Ansible's tags; one per document (it keeps the unsafe depth)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.unsafe_depth = 0
        self.notices: list[LoadNotice] = []

    def note(self, kind: str, node: yaml.Node, message: str, help_text: str = "") -> None:
        self.notices.append(LoadNotice(kind, message, node.start_mark.line + 1, node.start_mark.column + 1, help_text))


def _resolved(loader: _Loader, node: yaml.Node) -> Any:
    """The value of a tagged node as if it had no tag (the tag only changes how it is treated)."""
    import copy

    plain = copy.copy(node)
    plain.tag = loader.resolve(type(node), node.value, (True, False))
    return loader.construct_object(plain, deep=True)


def _construct_str(loader: _Loader, node: yaml.Node) -> Any:
    value = yaml.SafeLoader.construct_yaml_str(loader, node)
    return UnsafeText(value) if loader.unsafe_depth else value


def _construct_unsafe(loader: _Loader, node: yaml.Node) -> Any:
    loader.unsafe_depth += 1
    try:
        return _resolved(loader, node)
    finally:
        loader.unsafe_depth -= 1


def _construct_vault(loader: _Loader, node: yaml.Node) -> Any:
    from .vault import EncryptedValue

    if node.tag == "!vault-encrypted":
        loader.note("deprecation", node, "Use of the YAML `!vault-encrypted` tag is deprecated.", "Use the `!vault` tag instead.")
    text = _resolved(loader, node)
    if not isinstance(text, str):
        raise yaml.constructor.ConstructorError(None, None, f"the {node.tag!r} tag requires a string value", node.start_mark)
    return EncryptedValue(str.__str__(text))


def _construct_binary(loader: _Loader, node: yaml.Node) -> Any:
    value = yaml.SafeLoader.construct_yaml_binary(loader, node)
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return value
    return UnsafeText(text) if loader.unsafe_depth else text


class ConvertedSet(list[Any]):
    """A ``!!set``, a list from loading on: ansible-core keeps a set until a task first stores it, and warns
    then (``Type 'set' is unsupported in variable storage``); the variable plane sees this type and warns so."""


def _construct_set(loader: _Loader, node: yaml.Node) -> Any:
    mapping = loader.construct_mapping(node, deep=True)
    return ConvertedSet(mapping)


def _pairs(kind: str, help_text: str) -> Any:
    def construct(loader: _Loader, node: yaml.Node) -> Any:
        loader.note("deprecation", node, f"Use of the YAML `!!{kind}` tag is deprecated.", help_text)
        if not isinstance(node, yaml.SequenceNode):
            raise yaml.constructor.ConstructorError(None, None, f"expected a sequence for !!{kind}", node.start_mark)
        pairs = []
        for item in node.value:
            if not isinstance(item, yaml.MappingNode) or len(item.value) != 1:
                raise yaml.constructor.ConstructorError(None, None, f"expected single-item mappings in !!{kind}", item.start_mark)
            key_node, value_node = item.value[0]
            pairs.append([loader.construct_object(key_node, deep=True), loader.construct_object(value_node, deep=True)])
        return pairs

    return construct


def _construct_mapping(loader: _Loader, node: yaml.Node) -> Any:
    if not isinstance(node, yaml.MappingNode):
        raise yaml.constructor.ConstructorError(None, None, f"expected a mapping node, but found {node.id}", node.start_mark)
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    data: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark
            ) from None
        if key in seen:
            loader.note("warning", key_node, f"Found duplicate mapping key {key!r}.", "Using last defined value only.")
        seen.add(key)
        data[key] = loader.construct_object(value_node, deep=True)
    return data


_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:python/unicode", _construct_str)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:python/dict", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:binary", _construct_binary)
_Loader.add_constructor("tag:yaml.org,2002:set", _construct_set)
_Loader.add_constructor("tag:yaml.org,2002:omap", _pairs("omap", "Use a standard mapping instead, as key order is always preserved."))
_Loader.add_constructor("tag:yaml.org,2002:pairs", _pairs("pairs", "Use a standard mapping instead."))
_Loader.add_constructor("!unsafe", _construct_unsafe)
_Loader.add_constructor("!vault", _construct_vault)
_Loader.add_constructor("!vault-encrypted", _construct_vault)


class UnloadableValue(yaml.YAMLError):
    """A scalar YAML reads but Python cannot hold (an int of 100,000 digits, month 13), or nesting
    deeper than Python's recursion: a load error like any other (ansible-core: ``YAML parsing
    failed: ...``), not a crash of the executor."""


def load_with_notices(text: str) -> Loaded:
    """One YAML document loaded as ansible-core loads it, with what it would warn about."""
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except (ValueError, OverflowError) as exc:
        raise UnloadableValue(str(exc)) from None
    except RecursionError:
        raise UnloadableValue("the document is nested too deeply") from None
    finally:
        loader.dispose()
    return Loaded(data, loader.notices)


def load(text: str) -> Any:
    """One YAML document loaded as ansible-core loads it (``yaml.YAMLError`` if it cannot be)."""
    return load_with_notices(text).data
