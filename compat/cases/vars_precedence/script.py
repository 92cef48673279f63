PLAY_VARS = {"ansible_system": "play", **{f"l{n}": "play" for n in range(10, 18)}}
TASK_VARS = {f"l{n}": "task" for n in range(13, 18)}
HOSTVARS = "{{ hostvars['h1'].l10 }} {{ hostvars['h2'].l10 }} {{ hostvars['h2'].l14 }} {{ hostvars['h2'].l15 }} {{ hostvars['h2'].l17 }}"
LEVELS = " ".join("{{ l%02d }}" % n for n in range(1, 16))


async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play("facts over the inventory", hosts="web") as play:
            with runner.task("before the facts"):
                await play.debug(msg="{{ ansible_system }}")
            with runner.task("Gathering Facts"):
                await play.setup(filter="ansible_system")
            with runner.task("after the facts"):
                await play.debug(msg="{{ ansible_system }}")

        with runner.play("every level", hosts="web", vars=PLAY_VARS, vars_files=["vars/precedence.yml"]) as play:
            await play.include_vars(file="included.yml")
            await play.set_fact(l15="set_fact", l16="set_fact", l17="set_fact")
            with runner.task(register="l16"):
                await play.debug(msg="registered")
            with runner.task("print every level", vars=TASK_VARS):
                await play.debug(msg="{{ inventory_hostname }} {{ ansible_system }} " + LEVELS + " {{ l16.msg }} {{ l17 }}")
            with runner.task("what hostvars shows"):
                await play.debug(msg=HOSTVARS)
    return 0
