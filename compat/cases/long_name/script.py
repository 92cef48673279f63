async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        name = "this task name is deliberately much longer than the eighty column banner that Ansible prints"
        with runner.task(name):
            await ftl.localhost.command(cmd="echo long")
    return 0
