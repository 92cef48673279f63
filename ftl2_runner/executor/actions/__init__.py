"""Ansible's action plugins re-done where FTL2 differs, and module results shaped the way Ansible's modules return them."""
