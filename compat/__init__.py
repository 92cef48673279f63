"""Differential test harness: real ansible-runner + ansible-core versus ftl2-runner.

Each case under ``compat/cases/<name>/`` holds an Ansible playbook (``playbook.yml``),
the equivalent FTL2 script (``script.py``), an ``inventory`` and optionally ``env/``
files and ``case.yml`` (extra ``transmit`` arguments). The harness transmits the same
data dir — with ``project/site.yml`` holding the playbook for ansible-runner and the
script for ftl2-runner, so both streams name the same "playbook" — to both workers,
masks what legitimately differs between runs, and diffs the streams line by line.

Differences that remain by design are listed in ``docs/compat.md``; the harness reads
that table and applies only the normalisers it names, so the document cannot drift
from what the tests accept.
"""
