async def run(inventory_path, extravars, runner):
    async with runner.automation():
        async with runner.play("targets", hosts="targets") as targets:
            with runner.task("migrate once", run_once=True, register="migration"):
                await targets.command(cmd="echo migrated")
            with runner.task("everyone knows"):
                await targets.debug(msg="{{ inventory_hostname }}: {{ migration.stdout }}")
            with runner.task("say it once", run_once=True):
                await targets.debug(msg="once")
    return 0
