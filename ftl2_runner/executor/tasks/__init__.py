"""The task model: every module call, loop, block and condition of a script is one Ansible task.

One path, whatever the script wrote (``ftl.web.command(...)``, ``play.copy(...)``, a call in a
loop, a local ``debug``): a :class:`~.spec.CallSpec` says what is called where and with which
options, :mod:`.selection` decides on which hosts the task runs (tags, failed hosts, blocks,
conditions), :mod:`.executor` runs it and :mod:`.reporting` turns each host's outcome into
events, the recap and the result returned to the script. Nothing in this package knows FTL2's
quirks: those live in :mod:`ftl2_runner.executor.ftl2`.
"""
