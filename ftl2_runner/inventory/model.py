"""An Ansible inventory: groups with children and vars, hosts with vars, and host patterns.

FTL2 0.4.7 ignores group vars and child groups (``ftl.all`` can silently be empty),
while AWX sends hosts in nested groups with vars at every level. We therefore resolve
the inventory the way Ansible does and hand FTL2 hosts whose effective variables are
complete:

* every host is in ``all``; hosts in no other group are also in ``ungrouped``;
* a group's hosts include its children's hosts, recursively, in ansible-core's order: the group's
  own hosts, then its children's, then their children's, level by level (so in ``all`` a host of a
  nested group comes after the hosts of every top-level group; ``ungrouped`` is ``all``'s first
  child). Where two groups of one level both have children, ansible-core takes the next level's
  groups in the order of a Python set (it varies with the hash seed); here, the parents' order;
* a host's variables are merged in ansible-core's order (its default ``VARIABLE_PRECEDENCE``),
  later wins: ``all``'s vars from the inventory file, its other groups' (from the shallowest to
  the deepest, same depth by name), then ``group_vars/all`` beside the inventory, then beside the
  playbook, then the other groups' ``group_vars/`` beside the inventory, then beside the
  playbook, then the host's own vars from the file, its ``host_vars/`` beside the inventory and
  beside the playbook (:meth:`Inventory.effective_vars`; the playbook's directories are the
  caller's, :class:`VarsDir`);
* patterns: ``all``/``*``, groups, hosts, ``a:b``/``a,b`` (union), ``!x`` (exclude),
  ``&x`` (intersect), shell wildcards, ``~regex`` and ``group[0]``/``group[1:3]`` slices.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any


def _name(name: str) -> str:
    """A host or group name as data, never a template: :class:`~ftl2_runner.data.unsafe.UnsafeText`.

    ansible-core shows a host named ``web-{{ 7 * 7 }}`` as it is; a script puts names into strings
    it builds (``f"pinged {host}"``), which the runner templates, and a name from an inventory
    source (a cloud instance's tag) was evaluated there. Every name the script gets (results'
    keys, ``hosts_matching``, ``groups``, ``hostvars``) is one of these objects.
    """
    from ..data.unsafe import UnsafeText

    return UnsafeText(name) if isinstance(name, str) and not isinstance(name, UnsafeText) else name


@dataclass
class Group:
    name: str
    hosts: list[str] = field(default_factory=list)  # direct members, in inventory order
    children: list[str] = field(default_factory=list)
    vars: dict[str, Any] = field(default_factory=dict)  # from the inventory source itself


@dataclass
class VarsDir:
    """The ``group_vars/`` and ``host_vars/`` of one directory (beside an inventory, or a playbook)."""

    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    hosts: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Inventory:
    groups: dict[str, Group] = field(default_factory=dict)
    host_vars: dict[str, dict[str, Any]] = field(default_factory=dict)  # every host, in order of appearance
    adjacent: VarsDir = field(default_factory=VarsDir)  # group_vars/, host_vars/ beside the source
    host_sources: dict[str, str] = field(default_factory=dict)  # host -> the source file that named it first
    sources: list[str] = field(default_factory=list)  # what was loaded (ansible_inventory_sources)

    # --- building ---------------------------------------------------------------------

    def group(self, name: str) -> Group:
        if name not in self.groups:
            name = _name(name)
            self.groups[name] = Group(name)
        return self.groups[name]

    def add_host(self, name: str, group: str | None = None, variables: dict[str, Any] | None = None) -> None:
        name = _name(name)
        self.host_vars.setdefault(name, {}).update(variables or {})
        if group is not None:
            members = self.group(group).hosts
            if name not in members:
                members.append(name)

    def add_child(self, parent: str, child: str) -> None:
        self.group(child)
        children = self.group(parent).children
        if child not in children and child != parent:
            children.append(child)

    def finish(self) -> Inventory:
        """Add the implicit ``all`` and ``ungrouped`` groups, as Ansible does: ansible-core makes both
        before reading any source, ``ungrouped`` ``all``'s first child, then makes every group without
        a parent a child of ``all``."""
        everything = self.group("all")
        self.group("ungrouped")
        if "ungrouped" in everything.children:
            everything.children.remove("ungrouped")
        everything.children.insert(0, "ungrouped")
        self.groups = {name: self.groups[name] for name in ("all", "ungrouped")} | self.groups
        for name in self.groups:
            if name != "all" and not self._parents_of_group(name):
                self.add_child("all", name)
        grouped = {h for name, g in self.groups.items() if name not in ("all", "ungrouped") for h in g.hosts}
        for host in self.host_vars:
            if host not in grouped and host not in self.groups["ungrouped"].hosts:
                self.groups["ungrouped"].hosts.append(host)
        return self

    # --- queries -------------------------------------------------------------------------

    @property
    def hosts(self) -> list[str]:
        return list(self.host_vars)

    def _parents_of_group(self, name: str) -> list[str]:
        return [g.name for g in self.groups.values() if name in g.children]

    def hosts_in(self, group: str) -> list[str]:
        """The group's hosts in ansible-core's order: its own, then each level of its descendants'."""
        if group not in self.groups:
            return self.hosts if group == "all" else []
        seen: set[str] = set()
        ordered: list[str] = []
        for member in self._levels(group):
            for host in self.groups[member].hosts:
                if host not in seen:
                    seen.add(host)
                    ordered.append(host)
        if group == "all":  # a host the source named without a group (none are left out)
            ordered.extend(h for h in self.host_vars if h not in seen)
        return ordered

    def _levels(self, group: str) -> list[str]:
        """``group`` and its descendants, level by level (each level's groups in their parents' order)."""
        ordered, seen, level = [group], {group}, [group]
        while level:
            below = []
            for parent in level:
                for child in self.groups[parent].children:
                    if child not in seen and child in self.groups:
                        seen.add(child)
                        below.append(child)
            ordered.extend(below)
            level = below
        return ordered

    def groups_of(self, host: str) -> list[str]:
        """Every group containing ``host`` directly or through a child group."""
        return [name for name in self.groups if name == "all" or host in self.hosts_in(name)]

    def _depth(self, group: str, _seen: frozenset[str] = frozenset()) -> int:
        if group == "all" or group in _seen:
            return 0
        parents = self._parents_of_group(group) or ["all"]
        return 1 + max(self._depth(p, _seen | {group}) for p in parents)

    def sorted_groups(self, host: str) -> list[str]:
        """The host's groups other than ``all``, in the order their variables apply (shallowest first, then by name)."""
        others = [g for g in self.groups_of(host) if g != "all"]
        return sorted(others, key=lambda g: (self._depth(g), g))

    def effective_vars(self, host: str, playbook_dirs: tuple[VarsDir, ...] = ()) -> dict[str, Any]:
        """The host's inventory variables, merged in ansible-core's order (module docstring).

        ``playbook_dirs`` are the ``group_vars/``/``host_vars/`` beside the playbook, which Ansible
        puts just above the inventory's own directories at each level.
        """
        groups = self.sorted_groups(host)
        dirs = (self.adjacent, *playbook_dirs)
        merged: dict[str, Any] = {}
        merged.update(self.groups["all"].vars if "all" in self.groups else {})
        for name in groups:
            merged.update(self.groups[name].vars)
        for vars_dir in dirs:
            merged.update(vars_dir.groups.get("all", {}))
        for vars_dir in dirs:
            for name in groups:
                merged.update(vars_dir.groups.get(name, {}))
        merged.update(self.host_vars.get(host, {}))
        for vars_dir in dirs:
            merged.update(vars_dir.hosts.get(host, {}))
        return merged

    # --- patterns ------------------------------------------------------------------------

    def match(self, pattern: str) -> list[str]:
        selected: list[str] = []
        for term in split_pattern(pattern):
            if term.startswith("!"):
                removed = set(self._term(term[1:]))
                selected = [h for h in selected if h not in removed]
            elif term.startswith("&"):
                kept = set(self._term(term[1:]))
                selected = [h for h in selected if h in kept]
            else:
                selected.extend(h for h in self._term(term) if h not in selected)
        return selected

    def _term(self, term: str) -> list[str]:
        slice_match = re.fullmatch(r"(.+?)\[(-?\d+)(?::(-?\d*))?\]", term)
        if slice_match and slice_match.group(1) in self.groups:
            members = self.hosts_in(slice_match.group(1))
            start = int(slice_match.group(2))
            if slice_match.group(3) is None:
                return members[start : start + 1] if -len(members) <= start < len(members) else []
            end = slice_match.group(3)
            return members[start : (int(end) + 1) if end else None]
        if term in ("all", "*"):
            return self.hosts_in("all")
        if term in self.groups:
            return self.hosts_in(term)
        if term in self.host_vars:
            return [term]
        if term.startswith("~"):
            regex = re.compile(term[1:])
            names = [h for h in self.hosts if regex.search(h)]
            for group in self.groups:
                if regex.search(group):
                    names.extend(h for h in self.hosts_in(group) if h not in names)
            return names
        if any(ch in term for ch in "*?["):
            names = [h for h in self.hosts if fnmatch.fnmatchcase(h, term)]
            for group in self.groups:
                if fnmatch.fnmatchcase(group, term):
                    names.extend(h for h in self.hosts_in(group) if h not in names)
            return names
        return []


def split_pattern(pattern: str) -> list[str]:
    """Split on ``,`` and on ``:`` (but not inside ``[a:b]`` slices)."""
    terms: list[str] = []
    depth = 0
    current = ""
    for char in pattern:
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        if char in ",:" and depth == 0:
            if current.strip():
                terms.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        terms.append(current.strip())
    return terms
