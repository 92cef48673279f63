import os


async def run(inventory_path, extravars, runner):
    top = os.path.join(os.path.dirname(runner.script_path), "..")
    async with runner.automation() as ftl:
        with runner.play(hosts="app1"):
            with runner.task("shell on a local host not named localhost"):
                await ftl.app1.shell(cmd="echo one host")
            with runner.task("copy on it"):
                await ftl.app1.copy(content="app1\n", dest=os.path.join(top, "out-app1.txt"))
        with runner.play(hosts="web") as web:
            with runner.task("shell on a group of local hosts"):
                await web.shell(cmd="echo group")
            await web.ping()
    return 0
