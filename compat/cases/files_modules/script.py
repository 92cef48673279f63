import os


async def run(inventory_path, extravars, runner):
    out = os.path.join(os.path.dirname(runner.script_path), "..", "out")
    a, b, link = (os.path.join(out, name) for name in ("a.txt", "b.txt", "link"))
    async with runner.automation() as ftl:
        with runner.task("make a directory"):
            await ftl.localhost.file(path=out, state="directory")
        with runner.task("the directory is there"):
            await ftl.localhost.file(path=out, state="directory")
        with runner.task("write content"):
            await ftl.localhost.copy(content="alpha\n", dest=a)
        with runner.task("write the same content"):
            await ftl.localhost.copy(content="alpha\n", dest=a)
        with runner.task("copy a file"):
            await ftl.localhost.copy(src=a, dest=b)
        with runner.task("copy it again"):
            await ftl.localhost.copy(src=a, dest=b)
        with runner.task("touch a file"):
            await ftl.localhost.file(path=os.path.join(out, "t.txt"), state="touch")
        with runner.task("make a link"):
            await ftl.localhost.file(src="a.txt", dest=link, state="link")
        with runner.task("the link is there"):
            await ftl.localhost.file(src="a.txt", dest=link, state="link")
        with runner.task("remove the link"):
            await ftl.localhost.file(path=link, state="absent")
        with runner.task("remove it again"):
            await ftl.localhost.file(path=link, state="absent")
        with runner.task("stat a file"):
            await ftl.localhost.stat(path=a)
        with runner.task("stat a missing file"):
            await ftl.localhost.stat(path=os.path.join(out, "missing"))
    return 0
