"""Performance suite: ratios against ansible-runner and bare FTL2, measured in one run (see run.py)."""
