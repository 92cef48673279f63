async def run(inventory_path, extravars, runner):
    async with runner.automation():
        async with runner.play("targets", hosts="targets") as targets:
            with runner.task("publish a build number"):
                await targets.set_stats(data={"build": 42, "hosts_done": 1, "seen": {"first": "{{ ansible_check_mode }}"}})
            with runner.task("publish more, per host", when='inventory_hostname == "h2"'):
                await targets.set_stats(data={"region": "eu-{{ inventory_hostname }}"}, per_host=True)
            with runner.task("a list from one host", when='inventory_hostname == "h3"'):
                data = {"hosts_seen": ["{{ inventory_hostname }}", "more"], "seen": {"by": "{{ inventory_hostname }}"}}
                await targets.set_stats(data=data)
            with runner.task("replace, not aggregate", when='inventory_hostname == "h1"'):
                await targets.set_stats(data={"build": 43}, aggregate=False)
    return 0
