"""Ansible-semantics inventory for FTL2 jobs (see ``model`` for the rules)."""

from .model import Group, Inventory, split_pattern
from .sources import InventoryError, from_mapping, load

__all__ = ["Group", "Inventory", "InventoryError", "from_mapping", "load", "split_pattern"]
