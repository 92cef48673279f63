"""Variables' data as ansible-core reads it: YAML with Ansible's tags, ``!unsafe`` text, vault values."""
