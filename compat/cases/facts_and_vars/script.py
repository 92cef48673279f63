async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("set a fact"):
            await ftl.targets.set_fact(color="blue")
        with runner.task("show a set fact"):
            await ftl.targets.debug(var="color")
        with runner.task("show an inventory var", when='inventory_hostname == "h1"'):
            await ftl.targets.debug(var="region")
        with runner.task("show an undefined var", when='inventory_hostname == "h1"'):
            await ftl.targets.debug(var="nothere")
        with runner.task("a message from variables"):
            await ftl.targets.debug(msg="{{ inventory_hostname }} is {{ color }} in {{ region }}")
    return 0
