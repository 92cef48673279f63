"""Ansible's default callback and ansible-runner's display protocol: events, their text, and everything else printed."""
