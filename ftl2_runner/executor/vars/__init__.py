"""Variables as a playbook sees them, and Jinja on them: precedence, templating, conditions, filters, tests, booleans."""
