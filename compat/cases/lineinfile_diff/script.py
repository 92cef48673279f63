import os


async def run(inventory_path, extravars, runner):
    conf = os.path.join(os.path.dirname(runner.script_path), "conf")
    async with runner.automation() as ftl:
        with runner.task("create the file with a line"):
            await ftl.localhost.lineinfile(path=conf, line="[main]", create=True)
        with runner.task("add a line at the end"):
            await ftl.localhost.lineinfile(path=conf, line="port = 80")
        with runner.task("replace a line by regexp"):
            await ftl.localhost.lineinfile(path=conf, regexp="^port =", line="port = 8080")
        with runner.task("insert after a line"):
            await ftl.localhost.lineinfile(path=conf, insertafter=r"^\[main\]", line="user = web")
        with runner.task("insert before a line"):
            await ftl.localhost.lineinfile(path=conf, insertbefore=r"^\[main\]", line="# managed")
        with runner.task("the line is there"):
            await ftl.localhost.lineinfile(path=conf, regexp="^port =", line="port = 8080")
        with runner.task("remove a line by regexp"):
            await ftl.localhost.lineinfile(path=conf, regexp="^user", state="absent")
        with runner.task("remove a line by its text"):
            await ftl.localhost.lineinfile(path=conf, line="# managed", state="absent")
        with runner.task("remove what is not there"):
            await ftl.localhost.lineinfile(path=conf, line="# managed", state="absent")
        with runner.task("a backreference that does not match"):
            await ftl.localhost.lineinfile(path=conf, regexp="^(host) = .*", line=r"\1 = example", backrefs=True)
        with runner.task("lines from a loop"):
            async for item in runner.loop(["a = 1", "port = 8080"]):
                await ftl.localhost.lineinfile(path=conf, line=item)
        with runner.task("a loop with no diff"):
            async for item in runner.loop(["a", "b"]):
                await ftl.localhost.command(cmd=f"echo {item}")
    return 0
