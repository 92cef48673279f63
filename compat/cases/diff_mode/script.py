import os


async def run(inventory_path, extravars, runner):
    out = os.path.join(os.path.dirname(runner.script_path), "..", "out")
    target = os.path.join(out, "f.txt")
    async with runner.automation() as ftl:
        with runner.task("make a directory"):
            await ftl.localhost.file(path=out, state="directory")
        with runner.task("write a file"):
            await ftl.localhost.copy(content="one\ntwo\n", dest=target)
        with runner.task("write it again"):
            await ftl.localhost.copy(content="one\ntwo\n", dest=target)
        with runner.task("add a line"):
            await ftl.localhost.lineinfile(path=target, line="three")
        with runner.task("a command has no diff"):
            await ftl.localhost.command(cmd="echo hi")
    return 0
