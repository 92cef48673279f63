async def run(inventory_path, extravars, runner):
    async with runner.automation():
        async with runner.play(hosts="all", strategy="free", any_errors_fatal=True, max_fail_percentage=0) as play:

            async def tasks(host):
                with runner.task("slow on r1"):
                    await host.command(cmd="sleep {{ 6 if inventory_hostname == 'r1' else 0 }}")
                with runner.task("fails on l1", when="inventory_hostname == 'l1'"):
                    await host.command(cmd="/bin/false")
                with runner.task("after the failure"):
                    await host.command(cmd="echo after {{ inventory_hostname }}")

            await play.each_host(tasks)
    return 0
