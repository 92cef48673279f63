async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="all") as play:
            with runner.task("who runs the command"):
                await play.command(cmd="whoami")
            with runner.task("the config file and the forks"):
                await play.debug(msg="{{ ansible_config_file | basename }} {{ ansible_forks }} {{ play_hosts }}")
            with runner.task("facts under ansible_facts only"):
                await play.setup(filter="ansible_system")
            with runner.task("no top-level fact"):
                await play.debug(msg="{{ ansible_system is defined }} {{ ansible_facts.system }}")
    return 0
