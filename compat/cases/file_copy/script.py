import os


async def run(inventory_path, extravars, runner):
    out = os.path.join(os.path.dirname(runner.script_path), "..", "out")
    async with runner.automation() as ftl:
        with runner.task("make a directory"):
            await ftl.localhost.file(path=out, state="directory")
        with runner.task("write a file"):
            await ftl.localhost.copy(content="hello\n", dest=os.path.join(out, "hello.txt"))
    return 0
