"""Ansible-semantics inventory for FTL2 jobs (see ``model`` for the rules)."""

from .model import Group, Inventory, VarsDir, split_pattern
from .sources import InventoryError, from_mapping, load, load_vars_dir, read_vars_file

__all__ = ["Group", "Inventory", "InventoryError", "VarsDir", "from_mapping", "load", "load_vars_dir", "read_vars_file", "split_pattern"]
