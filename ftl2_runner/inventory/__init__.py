"""Ansible-semantics inventory for FTL2 jobs (see ``model`` for the rules)."""

from .model import Group, Inventory, split_pattern
from .sources import InventoryError, load

__all__ = ["Group", "Inventory", "InventoryError", "load", "split_pattern"]
