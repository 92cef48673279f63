hosts: all


async def run(inventory_path, extravars, runner):
    import os

    async with runner.automation() as ftl:
        with runner.task("the credential's extra vars"):
            await ftl.debug(msg="{{ api_token }} at {{ api_url }}")
        with runner.task("its environment variable"):
            await ftl.debug(msg=os.environ["MY_API_ENDPOINT"])
    return 0
