"""The variable plane: what variable X is for host H at this point of the play.

FTL2 has no variables of its own (it refuses ``set_fact``), so ftl2-runner keeps them, in one
place that every consumer reads through (module arguments, conditions, loops, ``debug``,
``template``, ``runner.host_vars()``, ``hostvars``). ansible-core 2.21's precedence, lowest
first, for the levels a script can have (its "Understanding variable precedence" list; role
defaults, role vars and role and include params do not exist for scripts, which have no roles):

1. inventory variables, in the order :meth:`ftl2_runner.inventory.Inventory.effective_vars` merges
   them: the inventory file's ``all`` and group vars, then ``group_vars/all`` beside the inventory
   and beside the playbook (the launched script's directory: AWX projects keep their variables
   there), then the other groups' ``group_vars/``, then the host's vars, its ``host_vars/`` beside
   the inventory and beside the playbook;
2. facts (gathered, each also under its own top-level name);
3. play ``vars`` (a launcher's ``vars`` under every play's own), then the play's ``vars_files``;
4. task ``vars``;
5. ``include_vars``;
6. ``set_fact`` and registered results;
7. the magic variables (:mod:`.magic`);
8. extra vars, which win over everything, even ``inventory_hostname`` (ansible-core 2.21 lets them).

A task's own variables (a loop's ``item``, the registered result an ``until`` reads) go above all
of them, and the connection defaults ansible-core adds to a task (``ansible_host``) below.

Values are templated when they are read, with Ansible's rules: a value from a source that
holds templates (inventory, ``group_vars``, play vars, ``vars_files``, task vars,
``include_vars``, extra vars) is rendered against the variables of the host and moment that
read it (``app_dir: "/srv/{{ app_name }}"`` reads ``/srv/shop``, whatever level ``app_name`` comes
from, and chains go as deep as they go); a value that is data — facts, ``set_fact`` values
(already rendered when they were set), registered results, magic variables — is never rendered
again; nor is an ``!unsafe`` value (a ``str`` whose class says ``__UNSAFE__``). A variable that
reads itself, directly or through others, fails with ansible-core's ``Recursive loop detected``.

Nothing is merged ahead of time: :meth:`HostVariables.of` gives a :class:`HostVars` view over the
sources (a few references, whatever the number of hosts or variables), a variable is looked up
when a template reads it, and each host's inventory level is merged once per job.

ansible-core 2.21 deprecates reading a fact by its top-level name (``ansible_system``, not
``ansible_facts['system']``) while ``INJECT_FACTS_AS_VARS`` is at its default, and reading the
magic ``vars`` and ``play_hosts``: the result of a task whose templates read one carries the
deprecation. The view says which of its names are such, and remembers what a template read
(:meth:`HostVars.note_reads`), in the order the template reads it.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from ...data.ansible_yaml import ConvertedSet
from ...data.unsafe import untrusted as untrusted  # what a host returned: data, marked where results are shaped
from .booleans import ansible_bool
from .lazy import LazyDict, LazyList, materialized
from .magic import Computed, GroupsView, JobMagic, PlayMagic, connection_defaults, host_magic, implicit_localhost_vars, job_magic

# ansible-core's INJECT_FACTS_AS_VARS setting; only its default (unset) deprecates the injected names.
_INJECT_FACTS_ENV = "ANSIBLE_INJECT_FACT_VARS"
# ansible-core's DEPRECATION_WARNINGS: off, nothing of a deprecation is shown or kept.
_DEPRECATION_WARNINGS_ENV = "ANSIBLE_DEPRECATION_WARNINGS"
# What a template reads that ansible-core 2.21 deprecates (the reporter words each: tasks/reporting.py).
INJECTED_FACT = "injected_fact"
# A variable loaded from a `!!set`, read for the first time in the job (ansible-core converts it then, with a warning).
CONVERTED_SET = "converted_set"
DEPRECATED_MAGIC = frozenset(("vars", "play_hosts"))
_NOT_DEPRECATED_FACTS = frozenset(("ansible_local",))  # ansible-core exempts it
_RECURSION = "Recursive loop detected in template: maximum recursion depth exceeded"


class Layer:
    """One source of variables: its values, and whether they are Ansible's templates or plain data."""

    __slots__ = ("values", "templated", "_plain")

    def __init__(self, values: Mapping[str, Any], templated: bool) -> None:
        self.values = values
        self.templated = templated
        self._plain: set[str] = set()  # names whose value holds no template: read as they are

    def needs_rendering(self, name: str, value: Any) -> bool:
        if not self.templated or name in self._plain:
            return False
        if holds_template(value):
            return True
        self._plain.add(name)
        return False


_EMPTY = Layer({}, False)


def is_unsafe(value: Any) -> bool:
    """An ``!unsafe`` value (``ftl2_runner.unsafe.UnsafeText`` and anything else that says so): never a template."""
    return bool(getattr(type(value), "__UNSAFE__", False))


def is_template(text: str) -> bool:
    return "{{" in text or "{%" in text


def holds_template(value: Any) -> bool:
    """Whether a value (or anything inside it) is a template Ansible would render."""
    if isinstance(value, str):
        return not is_unsafe(value) and is_template(value)
    if isinstance(value, Mapping):
        return any(holds_template(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(holds_template(v) for v in value)
    return False


@dataclass
class PlayVariables:
    """The open play's own variables: ``vars``, ``vars_files`` (already read, per host) and its magic."""

    magic: PlayMagic
    vars: Layer = field(default_factory=lambda: _EMPTY)
    files: dict[str, Layer] = field(default_factory=dict)  # host -> its vars_files, merged in order


class HostVariables:
    """The variable plane of one job (all hosts)."""

    def __init__(
        self,
        inventory_vars: Callable[[str], Mapping[str, Any]],
        extravars: Mapping[str, Any],
        magic: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] = os.environ,
        *,
        inventory: Any = None,
        job: JobMagic | None = None,
        playbook_vars: Mapping[str, Any] | None = None,
    ):
        self._inventory_vars = inventory_vars
        self.extravars = extravars
        self._extra = Layer(extravars, True)
        self._playbook_vars = Layer(dict(playbook_vars or {}), True)  # a launcher's play `vars`, under every play's own
        self._job_magic = {**job_magic(job or JobMagic()), **(magic or {})}
        self._inventory = inventory
        self._groups = GroupsView(inventory)
        self._static: dict[str, Layer] = {}  # host -> its inventory level, merged once
        self._host_magic: dict[str, Layer] = {}
        self._facts: dict[str, dict[str, Any]] = {}
        self._fact_layers: dict[str, tuple[Layer, frozenset[str]]] = {}
        self._set: dict[str, dict[str, Any]] = {}  # set_fact and register, per host
        self._set_layers: dict[str, Layer] = {}
        self._included: dict[str, Layer] = {}  # include_vars, per host
        self.play: PlayVariables | None = None
        self.secrets: list[Any] = []  # the job's vault passwords, for files read while it runs (vars_files, include_vars)
        self._deprecated_reads: dict[str, dict[str, None]] = {}  # host -> what deprecated it read since its last result
        self._converted_sets: set[str] = set()  # `!!set` variables a template has read (converted) already
        inject = environ.get(_INJECT_FACTS_ENV)
        self._inject_facts = inject is None or ansible_bool(inject)
        deprecations = environ.get(_DEPRECATION_WARNINGS_ENV)
        # DEPRECATION_WARNINGS off hides the warnings; the results keep their `deprecations` entries
        self.deprecations_shown = deprecations is None or ansible_bool(deprecations)
        self._deprecate_injected = inject is None
        self.hostvars = HostVarsTable(self)

    @property
    def playbook_dir(self) -> str:
        """Where relative files of variables and templates are looked up: the launched playbook's directory."""
        return str(self._job_magic.get("playbook_dir") or os.getcwd())

    # --- the sources ---------------------------------------------------------------------------

    def use_inventory(self, inventory: Any, inventory_vars: Callable[[str], Mapping[str, Any]]) -> None:
        """Another inventory from now on (``runner.automation(inventory=...)`` and back): forget what was merged."""
        self._inventory, self._inventory_vars = inventory, inventory_vars
        self._groups = GroupsView(inventory)
        self._static.clear()
        self._host_magic.clear()

    def groups(self) -> dict[str, list[str]]:
        """Ansible's ``groups``: every group of the inventory with its hosts, ``--limit`` or not."""
        return {name: list(hosts) for name, hosts in self._groups.groups.items()}

    def _static_layer(self, host: str) -> Layer:
        layer = self._static.get(host)
        if layer is None:
            values = dict(self._inventory_vars(host))
            if host in ("localhost", "127.0.0.1") and not self._in_inventory(host):
                values = {**implicit_localhost_vars(), **values}
            layer = self._static[host] = Layer(values, True)
        return layer

    def _in_inventory(self, host: str) -> bool:
        hosts = getattr(self._inventory, "host_vars", None)
        return bool(hosts is not None and host in hosts)

    def _magic_layer(self, host: str) -> Layer:
        layer = self._host_magic.get(host)
        if layer is None:
            layer = self._host_magic[host] = Layer({**self._job_magic, **host_magic(host, self._groups, self._inventory)}, False)
        return layer

    def _fact_layer(self, host: str) -> tuple[Layer, frozenset[str]]:
        found = self._fact_layers.get(host)
        if found is None:
            facts = self._facts.get(host, {})
            # As ansible-core injects them: each fact under its own name, and `ansible_facts` without the prefix.
            values: dict[str, Any] = {"ansible_facts": {k.removeprefix("ansible_"): v for k, v in facts.items()}}
            injected: frozenset[str] = frozenset()
            if self._inject_facts:
                values.update(facts)
                if self._deprecate_injected:
                    injected = frozenset(facts) - _NOT_DEPRECATED_FACTS
            found = self._fact_layers[host] = (Layer(values, False), injected)
        return found

    def of(self, host: str, task_vars: Mapping[str, Any] | None = None, *, task: bool = True) -> HostVars:
        """Every variable ``host`` sees now, with Ansible's precedence (module docstring).

        ``task`` is a task's view (the play's variables and magic, ``hostvars``, the connection
        defaults); without it, what ``hostvars[host]`` shows: the host's own variables, the job's.
        """
        facts, injected = self._fact_layer(host)
        layers: list[Layer] = [self._extra, self._magic_layer(host)]
        if task and self.play is not None:
            layers.append(Layer(self.play.magic.variables(), False))
        layers += [self._set_layers.get(host, _EMPTY), self._included.get(host, _EMPTY)]
        if task_vars:
            layers.append(Layer(task_vars, True))
        if task and self.play is not None:
            layers += [self.play.files.get(host, _EMPTY), self.play.vars]
        if task:
            layers.append(self._playbook_vars)
        layers += [facts, self._static_layer(host)]
        if task:
            layers.append(Layer(connection_defaults(host, host in ("localhost", "127.0.0.1") and not self._in_inventory(host)), False))
        # Which injected facts a read would deprecate is decided when a template reads one (few names), not here.
        above = layers[: layers.index(facts)] if injected else []
        read = self._deprecated_reads.setdefault(host, {})
        view = HostVars(host, [layer for layer in layers if layer.values], injected, read, above, self._converted_sets)
        if task:
            view.set_computed("hostvars", self.hostvars)
            view.set_computed("vars", view)
        return view

    def take_deprecated_reads(self, host: str) -> list[str]:
        """What deprecated a template read for ``host`` since this was last asked, in reading order (and forget
        it): :data:`INJECTED_FACT` for any top-level fact, else the magic variable's name."""
        read = self._deprecated_reads.get(host)
        if not read:
            return []
        kinds = list(read)
        read.clear()
        return kinds

    def set(self, host: str, name: str, value: Any) -> None:
        """``set_fact`` / ``register``: a variable of this host from now on (data: never templated again)."""
        values = self._set.setdefault(host, {})
        values[name] = value
        self._set_layers[host] = Layer(values, False)

    def include(self, host: str, values: Mapping[str, Any]) -> None:
        """``include_vars``: variables of this host from now on, above the play's, below ``set_fact``'s."""
        merged = dict(self._included[host].values) if host in self._included else {}
        merged.update(values)
        self._included[host] = Layer(merged, True)

    def add_facts(self, host: str, facts: Mapping[str, Any]) -> None:
        self._facts.setdefault(host, {}).update(facts)
        self._fact_layers.pop(host, None)

    # --- plays ---------------------------------------------------------------------------------

    def open_play(self, magic: PlayMagic, play_vars: Mapping[str, Any] | None = None) -> PlayVariables:
        """A play starts: its magic variables and its ``vars`` (``vars_files`` are read per host by the caller)."""
        self.play = PlayVariables(magic, Layer(dict(play_vars or {}), True))
        return self.play

    def close_play(self) -> None:
        self.play = None


class HostVarsTable(Mapping[str, "HostVars"]):
    """``hostvars``: every inventory host (``--limit`` does not apply) → its variables, made when read."""

    def __init__(self, plane: HostVariables) -> None:
        self._plane = plane

    def _hosts(self) -> list[str]:
        inventory = self._plane._inventory
        return list(getattr(inventory, "host_vars", {}) or {})

    def __getitem__(self, host: str) -> HostVars:
        if host not in self._hosts() and host not in ("localhost", "127.0.0.1"):
            raise KeyError(host)
        return self._plane.of(host, task=False)

    def __contains__(self, host: object) -> bool:
        return isinstance(host, str) and (host in self._hosts() or host == "localhost")

    def __iter__(self) -> Iterator[str]:
        return iter(self._hosts())

    def __len__(self) -> int:
        return len(self._hosts())

    def __repr__(self) -> str:
        return f"<hostvars of {len(self)} hosts>"


class HostVars(MutableMapping[str, Any]):
    """One host's variables at one moment: a view over the plane's sources, templated as they are read.

    Writes (a loop's ``item``, the registered result a condition reads) stay in this view.
    """

    def __init__(
        self,
        host: str,
        layers: list[Layer],
        injected: frozenset[str],
        read: dict[str, None],
        above_facts: list[Layer] | None = None,
        converted_sets: set[str] | None = None,
    ):
        self.host = host
        self._layers = layers  # highest precedence first
        self._own: dict[str, Any] = {}
        self._computed: dict[str, Any] = {}
        self._rendered: dict[str, Any] = {}
        self._rendering: set[str] = set()
        self._injected = injected  # facts under their top-level names (deprecated when read)...
        self._above_facts = above_facts or []  # ...unless a source above the facts has the name
        self._read = read
        self._converted_sets = converted_sets if converted_sets is not None else set()

    def injected(self, name: str) -> bool:
        """Whether reading ``name`` reads a fact injected under its top-level name (ansible-core deprecates it)."""
        return name in self._injected and not any(name in layer.values for layer in self._above_facts)

    def set_computed(self, name: str, value: Any) -> None:
        """A magic variable that is this view's own (``vars``, ``hostvars``), above every source."""
        self._computed[name] = value

    def note_reads(self, names: Iterable[str]) -> None:
        """A template or condition read ``names``, in this order (called by the condition evaluator)."""
        for name in names:
            if name in self._own:
                continue
            if self.injected(name):
                self._read[INJECTED_FACT] = None
            elif name in DEPRECATED_MAGIC and self._is_magic(name):
                self._read[name] = None
            elif name not in self._converted_sets and isinstance(self._raw_or_none(name), ConvertedSet):
                self._converted_sets.add(name)  # converted once for the job: the first task that reads it warns
                self._read[CONVERTED_SET] = None

    def _raw_or_none(self, name: str) -> Any:
        try:
            return self.raw(name)
        except KeyError:
            return None

    def _is_magic(self, name: str) -> bool:
        """``name`` is ansible-core's magic variable here, not one of the play's own of that name."""
        if name in self._computed:
            return True
        for layer in self._layers:  # the source a read takes it from
            if name in layer.values:
                return isinstance(layer.values[name], Computed)
        return False

    def with_values(self, values: Mapping[str, Any]) -> HostVars:
        """A view of the same moment with ``values`` above everything (a template's own variables)."""
        view = HostVars(self.host, self._layers, self._injected, self._read, self._above_facts, self._converted_sets)
        view._computed = {name: (view if value is self else value) for name, value in self._computed.items()}
        view._own = {**self._own, **values}
        return view

    def raw(self, name: str) -> Any:
        """The value as its source holds it, before templating (KeyError if no source has it)."""
        if name in self._own:
            return self._own[name]
        if name in self._computed:
            return self._computed[name]
        for layer in self._layers:
            if name in layer.values:
                return layer.values[name]
        raise KeyError(name)

    def __getitem__(self, name: str) -> Any:
        if name in self._own:
            return self._own[name]
        if name in self._computed:
            return self._computed[name]
        if name in self._rendered:
            return self._rendered[name]
        for layer in self._layers:
            if name in layer.values:
                value = layer.values[name]
                if isinstance(value, Computed):
                    return value.make()
                if layer.needs_rendering(name, value):
                    value = self._render(name, value)
                    self._rendered[name] = value
                return value
        raise KeyError(name)

    def _render(self, name: str, value: Any) -> Any:
        from .conditions import ConditionError

        if name in self._rendering:
            raise ConditionError(_RECURSION)
        self._rendering.add(name)
        try:
            return render_value(value, self, lazy=True)
        except RecursionError:
            raise ConditionError(_RECURSION) from None
        finally:
            self._rendering.discard(name)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return name in self._own or name in self._computed or any(name in layer.values for layer in self._layers)

    def __setitem__(self, name: str, value: Any) -> None:
        self._own[name] = value
        self._rendered.clear()  # a template read earlier may read this name

    def __delitem__(self, name: str) -> None:
        del self._own[name]
        self._rendered.clear()

    def _names(self) -> dict[str, None]:
        names: dict[str, None] = {}
        for layer in reversed(self._layers):
            names.update(dict.fromkeys(layer.values))
        names.update(dict.fromkeys(self._computed))
        names.update(dict.fromkeys(self._own))
        return names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __repr__(self) -> str:
        return f"<variables of {self.host}>"

    def snapshot(self) -> dict[str, Any]:
        """Every variable, templated, as plain data (the magic views ``vars``/``hostvars`` left out).

        A variable whose template fails raises, naming it: reading it in a task would fail the task.
        """
        from .conditions import ConditionError

        out: dict[str, Any] = {}
        for name in self._names():
            if name in self._computed:
                continue
            try:
                out[name] = materialized(self[name])
            except ConditionError as exc:
                raise type(exc)(f"variable {name!r} of host {self.host}: {exc}") from exc
        return out


def render_value(value: Any, variables: Mapping[str, Any], lazy: bool = False) -> Any:
    """A variable's value with every template inside it rendered against ``variables`` (unsafe text kept).

    ``lazy``: a dict or list holding templates comes back as a :class:`.lazy.LazyDict`/``LazyList``
    whose items are rendered when read, as ansible-core renders a variable's containers; otherwise
    everything is rendered now (a task's arguments, a set fact).
    """
    from .conditions import render

    if isinstance(value, str):
        return value if is_unsafe(value) or not is_template(value) else render(value, variables)
    if isinstance(value, (LazyDict, LazyList)):
        return value if lazy else materialized(value)
    if isinstance(value, Mapping):
        if lazy and holds_template(value):
            return LazyDict(dict(value), functools.partial(render_value, variables=variables, lazy=True))
        return {key: render_value(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        if lazy and holds_template(value):
            return LazyList(value, functools.partial(render_value, variables=variables, lazy=True))
        return [render_value(item, variables) for item in value]
    if isinstance(value, tuple):
        return tuple(render_value(item, variables) for item in value)
    return value
