async def run(inventory_path, extravars, runner):
    out = "{{ playbook_dir }}/../out-{{ inventory_hostname }}"
    async with runner.automation():
        with runner.play(hosts="all", vars={"out": out}) as play:
            with runner.task("a directory, for real", check_mode=False):
                await play.file(path="{{ out }}", state="directory")
            with runner.task("written for real", check_mode=False):
                await play.copy(content="hello\n", dest="{{ out }}/new.txt")
            with runner.task("it was written"):
                await play.stat(path="{{ out }}/new.txt")
            with runner.task("a command for real", check_mode=False):
                await play.command(cmd="touch {{ out }}/touched")
            with runner.task("predicted, without a diff", diff=False):
                await play.copy(content="changed\n", dest="{{ out }}/new.txt")
            with runner.task("predicted, with the job's diff"):
                await play.copy(content="changed\n", dest="{{ out }}/new.txt")
            with runner.task("the mode the task sees", check_mode=False, diff=False):
                await play.debug(msg="{{ ansible_check_mode }} {{ ansible_diff_mode }}")
    return 0
