async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="all") as play:
            with runner.task("what each host has"):
                await play.debug(
                    msg="{{ inventory_hostname }}: {{ app_name }}:{{ app_port }} tier={{ tier }} workers={{ workers | default('n/a') }}"
                )
            with runner.task("in a module argument"):
                await play.command(cmd="echo {{ app_name }} {{ packages | default([]) | join(',') }}")
            with runner.task("in a condition", when="primary | default(false)"):
                await play.command(cmd="echo primary")
            with runner.task("a number stays a number"):
                await play.debug(var="app_port + 1")
            with runner.task("json group_vars", when="'db' in group_names"):
                await play.debug(var="replicas")
    return 0
