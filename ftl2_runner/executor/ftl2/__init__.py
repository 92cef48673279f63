"""Everything that knows FTL2 0.4.7: how a task's call reaches it, and what it does wrong.

An FTL2 upgrade is reviewed here and in ``actions/results.py``/``actions/shaping.py`` (facts about
FTL2's output), nowhere else: :mod:`.quirks` holds how each workaround is done (docs/compat.md lists
them; which one a call needs is ``executor/actions/router.py``'s decision), :mod:`.locality` is the one rule for "does this host run on this
machine", :mod:`.ansible_modules` and :mod:`.remote_modules` run Ansible's own modules here and
through FTL2's gate, :mod:`.gate` builds that gate ahead of time. The script's ``ftl`` proxy, which
turns ``ftl.<target>.<module>(...)`` into a task, is ``executor/api/calls.py``.
"""
