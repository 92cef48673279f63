"""What arrives in a job, checked and understood: the archive, the paths it writes, and what the playbook names."""
