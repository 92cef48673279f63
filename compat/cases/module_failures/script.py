import os


async def run(inventory_path, extravars, runner):
    base = os.path.join(os.path.dirname(runner.script_path), "..")
    missing = os.path.join(base, "missing", "conf")
    async with runner.automation() as ftl:
        with runner.task("a file"):
            await ftl.localhost.copy(content="x\n", dest=os.path.join(base, "a-file"))
        with runner.task("another file"):
            await ftl.localhost.copy(content="y\n", dest=os.path.join(base, "b-file"))
        with runner.task("edit a file that is not there", ignore_errors=True):
            await ftl.localhost.lineinfile(path=missing, line="port = 80")
        with runner.task("a block in a file that is not there", ignore_errors=True):
            await ftl.localhost.blockinfile(path=missing, block="user = web")
        with runner.task("a file that must exist", ignore_errors=True):
            await ftl.localhost.file(path=missing, state="file")
        with runner.task("a directory where a file is", ignore_errors=True):
            await ftl.localhost.file(path=os.path.join(base, "a-file"), state="directory")
        with runner.task("a link"):
            await ftl.localhost.file(path=os.path.join(base, "link"), src="b-file", state="link")
        with runner.task("the link retargeted"):
            await ftl.localhost.file(path=os.path.join(base, "link"), src="a-file", state="link")
        with runner.task("a link to nothing", ignore_errors=True):
            await ftl.localhost.file(path=os.path.join(base, "dangling"), src="missing/conf", state="link")
        with runner.task("copy from nowhere", ignore_errors=True):
            await ftl.localhost.copy(src=os.path.join(base, "missing", "source"), dest=os.path.join(base, "copied"))
        with runner.task("the last failure ends the play"):
            await ftl.localhost.lineinfile(path=missing, regexp="^port", line="port = 8080")
    return 0
