async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("a package that is installed"):
            await ftl.localhost.package(name="bash", state="present")
        with runner.task("a package that would be installed"):
            await ftl.localhost.package(name="sl", state="present")
        with runner.task("services"):
            await ftl.localhost.service_facts()
    return 0
