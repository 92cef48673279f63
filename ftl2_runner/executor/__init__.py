"""The executor child: runs one FTL2 script under ansible-runner's pty and speaks its display protocol.

Kept import-light: nothing here imports ftl2 until a script actually runs.
"""
