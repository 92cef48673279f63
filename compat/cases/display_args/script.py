async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        await runner.set_fact(greeting="hello")
        with runner.task("say something"):
            await ftl.localhost.command(cmd="echo hi")
        with runner.task("templated"):
            await ftl.localhost.command(cmd="echo {{ greeting }}", chdir="/tmp")
        with runner.task("secret", no_log=True):
            await ftl.localhost.command(cmd="echo hunter2")
        await ftl.localhost.debug(msg="{{ greeting }} world")
        with runner.task("a loop"):
            async for _item in runner.loop(["a", "b"]):
                await ftl.localhost.command(cmd="echo looping")
        with runner.task("several arguments"):
            await ftl.localhost.file(state="touch", path="{{ playbook_dir }}/../{{ greeting }}", mode="0644")
        with runner.task("several plain arguments"):
            await ftl.localhost.command(cmd="echo plain", chdir="/")
    return 0
