"""ansible-playbook's command line for a script: flags, extra vars, inventory, loading the script, answers without a run."""
