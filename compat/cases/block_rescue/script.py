async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:

        async def guarded():
            with runner.task("may fail", when='inventory_hostname == "h2"'):
                await ftl.targets.command(cmd="false")
            with runner.task("after the failure"):
                await ftl.targets.command(cmd="echo after")

        async def roll_back():
            with runner.task("roll back"):
                await ftl.targets.debug(msg="rolling back {{ ansible_failed_task.name }}")

        async def clean_up():
            with runner.task("clean up"):
                await ftl.targets.command(cmd="echo cleanup")

        await runner.block(guarded, rescue=roll_back, always=clean_up)
        with runner.task("next"):
            await ftl.targets.command(cmd="echo next")
    return 0
