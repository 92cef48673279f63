OUT = "{{ playbook_dir }}/../out-{{ inventory_hostname }}"


async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="web") as play:
            with runner.task("a directory per host"):
                await play.file(path=OUT, state="directory")
            with runner.task("render with the host's variables", vars={"log_dir": "/var/log/shop"}):
                await play.template(src="app.conf.j2", dest=OUT + "/app.conf")
            with runner.task("render it again", vars={"log_dir": "/var/log/shop"}):
                await play.template(src="app.conf.j2", dest=OUT + "/app.conf")
            with runner.task("what was written"):
                await play.command(cmd="cat " + OUT + "/app.conf")
            with runner.task("an undefined variable fails the task", ignore_errors=True):
                await play.template(src="broken.j2", dest=OUT + "/broken.conf")
    return 0
