async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        # FTL2's client sends its gate a keepalive every 30 s and gives up after 60 s without an
        # answer; the command must outlast that, and the job go on on the same gate after it.
        with runner.task("a long command"):
            await ftl.remotes.command(cmd="sleep 100")
        with runner.task("a long shell"):
            await ftl.remotes.shell(cmd="sleep 1 && echo done")
    return 0
