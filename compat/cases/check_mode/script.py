import os


async def run(inventory_path, extravars, runner):
    project = os.path.dirname(runner.script_path)
    top = os.path.join(project, "..")
    async with runner.automation() as ftl:
        with runner.task("write a new file"):
            await ftl.localhost.copy(content="hello\n", dest=os.path.join(top, "out", "new.txt"))
        with runner.task("copy a file onto itself"):
            hosts = os.path.join(top, "inventory", "hosts")
            await ftl.localhost.copy(src=hosts, dest=hosts)
        with runner.task("make a new directory"):
            await ftl.localhost.file(path=os.path.join(top, "out"), state="directory")
        with runner.task("an existing directory"):
            await ftl.localhost.file(path=project, state="directory")
        with runner.task("touch a file"):
            await ftl.localhost.file(path=os.path.join(top, "touched"), state="touch")
        with runner.task("remove what is not there"):
            await ftl.localhost.file(path=os.path.join(top, "missing"), state="absent")
        with runner.task("check a file"):
            await ftl.localhost.stat(path=os.path.join(top, "missing"))
        with runner.task("run a command"):
            await ftl.localhost.command(cmd="echo checked")
    return 0
