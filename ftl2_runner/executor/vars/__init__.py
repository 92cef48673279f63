"""Variables and templating: what a task's ``{{ }}`` sees, and Ansible's filters and tests it can use."""
