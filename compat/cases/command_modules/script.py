import os


async def run(inventory_path, extravars, runner):
    out = os.path.join(os.path.dirname(runner.script_path), "..", "out")
    made, script = os.path.join(out, "made"), os.path.join(out, "run.sh")
    async with runner.automation() as ftl:
        with runner.task("make a directory"):
            await ftl.localhost.file(path=out, state="directory")
        with runner.task("create a file unless it exists"):
            await ftl.localhost.command(cmd="touch made", chdir=out, creates=made)
        with runner.task("it exists now"):
            await ftl.localhost.command(cmd="touch made", chdir=out, creates=made)
        with runner.task("remove a file if it exists"):
            await ftl.localhost.shell(cmd="rm made && echo removed", chdir=out, removes=made)
        with runner.task("it is gone"):
            await ftl.localhost.shell(cmd="rm made && echo removed", chdir=out, removes=made)
        with runner.task("where am I"):
            await ftl.localhost.shell(cmd="pwd | wc -c", chdir="/tmp")
        with runner.task("write a script"):
            await ftl.localhost.copy(content='#!/bin/sh\necho from a script "$1"\n', dest=script)
        with runner.task("run a script"):
            await ftl.localhost.script(cmd=f"{script} arg")
        with runner.task("a script that is skipped"):
            await ftl.localhost.script(cmd=script, creates=out)
        with runner.task("a script that fails", ignore_errors=True):
            await ftl.localhost.script(cmd=script, executable="/bin/false")
        with runner.task("a command that fails", ignore_errors=True):
            await ftl.localhost.command(cmd="ls /nonexistent", chdir="/")
    return 0
