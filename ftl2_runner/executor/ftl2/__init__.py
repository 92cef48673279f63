"""Everything that knows FTL2 0.4.7: how a script's call reaches it, and what it does wrong.

An FTL2 upgrade is reviewed here and in ``results.py``/``shaping.py`` (facts about FTL2's
output), nowhere else: :mod:`.calls` turns ``ftl.<target>.<module>(...)`` into a task,
:mod:`.quirks` holds each workaround (docs/compat.md lists them), :mod:`.locality` is the one
rule for "does this host run on this machine".
"""
