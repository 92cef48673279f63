async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("never satisfied", register="answer", until='answer.stdout == "yes"', retries=1, delay=0):
            await ftl.h1.command(cmd="echo no")
    return 0
