async def run(inventory_path, extravars, runner):
    out = "{{ playbook_dir }}/../out-{{ inventory_hostname }}"
    async with runner.automation():
        with runner.play(hosts="all", vars={"out": out}) as play:
            with runner.task("a directory"):
                await play.file(path="{{ out }}", state="directory")
            with runner.task("predicted only", check_mode=True):
                await play.copy(content="hello\n", dest="{{ out }}/new.txt")
            with runner.task("nothing was written"):
                await play.stat(path="{{ out }}/new.txt")
            with runner.task("a command in check mode", check_mode=True):
                await play.command(cmd="touch {{ out }}/touched")
            with runner.task("a line, with its diff", diff=True):
                await play.lineinfile(path="{{ out }}/lines.txt", line="first", create=True)
            with runner.task("a copy with its diff, predicted", check_mode=True, diff=True):
                await play.copy(content="two\n", dest="{{ out }}/lines.txt")
            with runner.task("the mode the task sees", check_mode=True, diff=True):
                await play.debug(msg="{{ ansible_check_mode }} {{ ansible_diff_mode }}")
    return 0
