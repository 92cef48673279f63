import os


async def run(inventory_path, extravars, runner):
    out = os.path.join(os.path.dirname(runner.script_path), "..", "out")
    made = os.path.join(out, "made")
    async with runner.automation() as ftl:
        with runner.task("make a directory"):
            await ftl.remotes.file(path=out, state="directory")
        with runner.task("create a file unless it exists"):
            await ftl.remotes.command(cmd="touch made", chdir=out, creates=made)
        with runner.task("it exists now"):
            await ftl.remotes.command(cmd="touch made", chdir=out, creates=made)
        with runner.task("remove a file if it exists"):
            await ftl.remotes.shell(cmd="rm made && echo removed", chdir=out, removes=made)
        with runner.task("where am I"):
            await ftl.remotes.shell(cmd="pwd | wc -c", chdir="/tmp")
        with runner.task("run a script"):
            await ftl.remotes.script(cmd="files/run.sh arg")
        with runner.task("a script in a directory"):
            await ftl.remotes.script(cmd="files/run.sh", chdir="/tmp")
        with runner.task("a script that is skipped"):
            await ftl.remotes.script(cmd="files/run.sh", creates=out)
        with runner.task("a script that fails", ignore_errors=True):
            await ftl.remotes.script(cmd="files/run.sh", executable="/bin/false")
        with runner.task("a script that is missing", ignore_errors=True):
            await ftl.remotes.script(cmd="files/missing.sh")
        with runner.task("a command that fails", ignore_errors=True):
            await ftl.remotes.command(cmd="ls /nonexistent")
    return 0
