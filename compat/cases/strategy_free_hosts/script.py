async def run(inventory_path, extravars, runner):
    async with runner.automation():
        async with runner.play(hosts="all", strategy="free") as play:

            async def tasks(host):
                with runner.task("slow on r1"):
                    await host.command(cmd="sleep {{ 8 if inventory_hostname == 'r1' else 0 }}")
                with runner.task("a message"):
                    await host.debug(msg="on {{ inventory_hostname }}")
                with runner.task("only on l1", when="inventory_hostname == 'l1'"):
                    await host.command(cmd="echo {{ inventory_hostname }}")
                with runner.task("fails on l1", when="inventory_hostname == 'l1'"):
                    await host.command(cmd="/bin/false")
                with runner.task("the last"):
                    await host.command(cmd="echo last {{ inventory_hostname }}")

            await play.each_host(tasks)
    return 0
