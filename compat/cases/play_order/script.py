async def run(inventory_path, extravars, runner):
    shown = "{{ ansible_play_hosts }} {{ ansible_play_batch }} {{ ansible_play_hosts_all }}"
    async with runner.automation():
        for order in ("sorted", "reverse_inventory"):
            with runner.play(order, hosts="all", order=order) as play:
                with runner.task("the hosts, in order", run_once=True):
                    await play.debug(msg=shown)
                with runner.task("a module"):
                    await play.command(cmd="echo {{ inventory_hostname }}")
        for play in runner.serial_play("reverse_sorted, in batches", hosts="all", serial=2, order="reverse_sorted"):
            with runner.task("a module"):
                await play.command(cmd="echo {{ inventory_hostname }}")
        with runner.play("inventory", hosts="all", order="inventory") as play:
            with runner.task("a module"):
                await play.command(cmd="echo {{ inventory_hostname }}")
    return 0
