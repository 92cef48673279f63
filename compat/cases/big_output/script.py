async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("print 100 KB"):
            await ftl.localhost.shell(cmd="head -c 102400 /dev/zero | tr '\\0' 'x'")
    return 0
