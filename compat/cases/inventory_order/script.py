async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="all") as play:
            with runner.task("every host"):
                await play.command(cmd="echo {{ inventory_hostname }}")
            with runner.task("the groups as Ansible lists them", run_once=True):
                await play.debug(
                    msg="all={{ groups['all'] }} app={{ groups['app'] }} ungrouped={{ groups['ungrouped'] }} "
                    "play={{ ansible_play_hosts_all }} names={{ group_names }}"
                )
        with runner.play(hosts="app") as play:
            with runner.task("the app play", run_once=True):
                await play.debug(var="ansible_play_hosts_all")
        with runner.play(hosts="*:!u1") as play:
            with runner.task("a wildcard play", run_once=True):
                await play.debug(var="ansible_play_hosts_all")
        with runner.play(hosts="all[1:2]") as play:
            with runner.task("a slice of all", run_once=True):
                await play.debug(var="ansible_play_batch")
    return 0
