async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("Gathering Facts"):
            await ftl.localhost.setup(filter="ansible_system")
        await ftl.localhost.debug(msg="{{ ansible_system }}")
        with runner.task("in a command"):
            await ftl.localhost.command(cmd="echo {{ ansible_system }}")
        with runner.task("in a condition", when='ansible_system == "Linux"'):
            await ftl.localhost.command(cmd="echo linux")
        with runner.task("skipped by a fact", when='ansible_system != "Linux"'):
            await ftl.localhost.command(cmd="echo other")
        with runner.task("the recommended form"):
            await ftl.localhost.debug(msg="{{ ansible_facts['system'] }}")
    return 0
