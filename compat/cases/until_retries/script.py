import os


async def run(inventory_path, extravars, runner):
    base = os.path.join(os.path.dirname(runner.script_path), "..")
    async with runner.automation():
        async with runner.play("targets", hosts="targets") as targets:
            counter = base + "/count-{{ inventory_hostname }}"
            cmd = f"n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; echo $n"
            until = 'counted.stdout | int >= (3 if inventory_hostname == "h1" else 1)'
            with runner.task("count up", register="counted", until=until, retries=5, delay=0):
                await targets.shell(cmd=cmd)
            with runner.task(
                "never satisfied",
                register="answer",
                until='answer.stdout == "yes"',
                retries=2,
                delay=0,
                ignore_errors=True,
                when='inventory_hostname != "h3"',
            ):
                await targets.command(cmd="echo no")
            with runner.task("retries without until", retries=1, delay=0, ignore_errors=True, when='inventory_hostname == "h3"'):
                await targets.command(cmd="false")
    return 0
