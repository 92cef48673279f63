"""The version schemes of Ansible's ``version`` test: loose, strict, and semantic versioning.

``loose`` and ``strict`` are the rules of Python's retired ``distutils.version`` (which ansible-core
keeps a copy of): loose splits a version into numbers and lower-case words and compares the lists
(so ``1.a`` against ``1.0`` fails as comparing text with a number does); strict accepts only
``N.N[.N][{a|b}N]``. ``semver`` is Semantic Versioning 2.0.0's precedence (build metadata ignored).
PEP 440 comes from ``packaging``. Each class compares with its own kind; the messages of a bad
version are the ones ansible-core shows.
"""

from __future__ import annotations

import re
from typing import Any

_LOOSE_PART = re.compile(r"(\d+|[a-z]+|\.)")
_STRICT = re.compile(r"^(\d+)\.(\d+)(\.(\d+))?([ab](\d+))?$", re.ASCII)
_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


class _Comparable:
    """Rich comparisons from one ``_cmp`` returning -1, 0 or 1."""

    def _cmp(self, other: Any) -> int:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return self._cmp(other) == 0

    def __ne__(self, other: object) -> bool:
        return self._cmp(other) != 0

    def __lt__(self, other: Any) -> bool:
        return self._cmp(other) < 0

    def __le__(self, other: Any) -> bool:
        return self._cmp(other) <= 0

    def __gt__(self, other: Any) -> bool:
        return self._cmp(other) > 0

    def __ge__(self, other: Any) -> bool:
        return self._cmp(other) >= 0

    __hash__ = None  # type: ignore[assignment]


class LooseVersion(_Comparable):
    def __init__(self, vstring: str) -> None:
        self.vstring = vstring
        parts: list[int | str] = []
        for piece in _LOOSE_PART.split(vstring):
            if piece and piece != ".":
                parts.append(int(piece) if piece.isdigit() and piece.isascii() else piece)
        self.version = parts

    def _cmp(self, other: Any) -> int:
        theirs = other.version
        if self.version == theirs:
            return 0
        return -1 if self.version < theirs else 1


class StrictVersion(_Comparable):
    def __init__(self, vstring: str) -> None:
        match = _STRICT.match(vstring)
        if not match:
            raise ValueError(f"invalid version number '{vstring}'")
        major, minor, patch, pre, pre_number = match.group(1, 2, 4, 5, 6)
        self.version = (int(major), int(minor), int(patch) if patch else 0)
        self.prerelease = (pre[0], int(pre_number)) if pre else None

    def _cmp(self, other: Any) -> int:
        if self.version != other.version:
            return -1 if self.version < other.version else 1
        if self.prerelease == other.prerelease:
            return 0
        if self.prerelease is None:
            return 1
        if other.prerelease is None:
            return -1
        return -1 if self.prerelease < other.prerelease else 1


def _identifiers(text: str | None) -> tuple[tuple[int, int | str], ...]:
    """Pre-release identifiers as sortable keys: numbers (by value) before words (by text)."""
    if not text:
        return ()
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in text.split("."))


class SemanticVersion(_Comparable):
    def __init__(self, vstring: str) -> None:
        match = _SEMVER.match(vstring)
        if not match:
            raise ValueError(f"invalid semantic version '{vstring}'")
        self.core = (int(match.group(1)), int(match.group(2)), int(match.group(3)))
        self.prerelease = _identifiers(match.group(4))

    def _cmp(self, other: Any) -> int:
        if self.core != other.core:
            return -1 if self.core < other.core else 1
        if self.prerelease == other.prerelease:
            return 0
        if not self.prerelease:
            return 1  # a release is above its pre-releases
        if not other.prerelease:
            return -1
        return -1 if self.prerelease < other.prerelease else 1
