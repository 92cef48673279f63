async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="r1") as play:
            with runner.task("the services"):
                await play.service_facts()
            with runner.task("they are facts"):
                await play.debug(msg="{{ ansible_facts.services is mapping }}")
    return 0
