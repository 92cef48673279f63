"""The tree's rooms and their import directions hold, as docs/design.md writes them down.

docs/design.md's rooms table says which code each room holds and which rooms it may import; its
table of exceptions lists the few imports that still go against those directions. Every module's
imports are read with ``ast`` — module level, inside functions and under ``if TYPE_CHECKING:``
alike, since each is a dependency a reader has to follow — and the test fails on an import cycle
between modules, a module no room claims, an import its room may not make, a cycle in the
directions themselves, and an exception that no longer happens (so the list only shrinks).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ftl2_runner"
DESIGN = ROOT / "docs" / "design.md"
ROOMS_HEADER = "| room | code | what belongs there | may import |"
EXCEPTIONS_HEADER = "| module | imports | why, and what removes it |"
EVERY_ROOM = "every room"


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules ``name`` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {t for t in targets if t in known and t != name}


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one node (Tarjan), each as one cycle through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(_a_cycle_in(sorted(group), graph))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _a_cycle_in(group: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first node back to itself, inside the group."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for other in sorted(graph.get(node, set()) & members):
                if other == start:
                    return paths[node] + [start]
                if other not in paths:
                    paths[other] = paths[node] + [other]
                    following.append(other)
        frontier = following
    return group


def _table(header: str) -> list[list[str]]:
    lines = DESIGN.read_text().splitlines()
    assert header in lines, f"docs/design.md has no table headed {header!r}"
    rows = []
    for line in lines[lines.index(header) + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def rooms() -> tuple[dict[str, list[str]], dict[str, set[str] | None]]:
    """(room -> the code it holds, as paths; room -> the rooms it may import, None for every room)."""
    code, may_import = {}, {}
    for room_cell, code_cell, _what, allowed_cell in _table(ROOMS_HEADER):
        room = room_cell.strip("*` ")
        code[room] = _ticked(code_cell)
        may_import[room] = (
            None if allowed_cell == EVERY_ROOM else {name.strip("*` ") for name in allowed_cell.split(",") if name.strip("*` —-")}
        )
    return code, may_import


def room_of(module_path: Path, code: dict[str, list[str]]) -> str | None:
    """The room whose code claims the file: a file named exactly, else the longest directory holding it."""
    relative = module_path.relative_to(ROOT).as_posix()
    best, best_length = None, -1
    for room, entries in code.items():
        for entry in entries:
            exact = entry == relative
            inside = entry.endswith("/") and relative.startswith(entry)
            if exact:
                return room
            if inside and len(entry) > best_length:
                best, best_length = room, len(entry)
    return best


def test_the_cycle_finder_finds_a_cycle():
    """The checker itself can fail: a made-up graph with a circle through three modules is caught."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back():
    found = cycles(import_graph())
    assert not found, "import cycles (move the shared name down to where it belongs):\n" + "\n".join(" -> ".join(c) for c in found)


def test_every_module_belongs_to_a_room_of_docs_design_md():
    code, _ = rooms()
    for entries in code.values():
        for entry in entries:
            assert (ROOT / entry).exists(), f"docs/design.md names {entry}, which does not exist"
    unclaimed = [name for name, path in _modules().items() if room_of(path, code) is None]
    assert not unclaimed, f"modules in no room of docs/design.md's table: {unclaimed}"


def test_the_rooms_directions_have_no_cycle():
    _, may_import = rooms()
    graph = {room: set(allowed) for room, allowed in may_import.items() if allowed is not None}
    for room, allowed in graph.items():
        assert allowed <= set(may_import), f"{room} may import unknown rooms: {allowed - set(may_import)}"
    assert cycles(graph) == []
    assert all(room not in allowed for room, allowed in graph.items()), "a room's own imports need no listing"


def test_every_import_goes_the_way_docs_design_md_allows():
    code, may_import = rooms()
    modules = _modules()
    exceptions = {(_ticked(module)[0], _ticked(imported)[0]) for module, imported, _why in _table(EXCEPTIONS_HEADER)}
    against, used = [], set()
    for name, imported in import_graph().items():
        room = room_of(modules[name], code)
        allowed = may_import[room] if room else set()
        for other in sorted(imported):
            other_room = room_of(modules[other], code)
            if allowed is None or other_room == room or other_room in allowed:
                continue
            pair = (modules[name].relative_to(ROOT).as_posix(), modules[other].relative_to(ROOT).as_posix())
            if pair in exceptions:
                used.add(pair)
                continue
            against.append(f"{pair[0]} ({room}) imports {pair[1]} ({other_room})")
    assert not against, "imports against docs/design.md's rooms table:\n" + "\n".join(against)
    assert used == exceptions, f"listed exceptions that no longer happen (remove them from docs/design.md): {exceptions - used}"


def test_the_gate_cache_the_intake_checks_is_the_one_the_executor_uses():
    """job_paths refuses symlinks at the job's gate cache; it names the directory without importing the executor."""
    from ftl2_runner.executor.ftl2.gate import JOB_GATE_CACHE
    from ftl2_runner.intake import job_paths

    assert job_paths.JOB_GATE_CACHE == JOB_GATE_CACHE
