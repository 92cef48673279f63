async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play(hosts="targets", vars={"colour": "blue"}) as play:
            with runner.task("play_hosts in a message"):
                await play.debug(msg="{{ play_hosts }}")
            with runner.task("vars in a message"):
                await play.debug(msg="{{ vars['colour'] }}")
            with runner.task("play_hosts in a command"):
                await play.command(cmd="echo {{ play_hosts | length }}")
            with runner.task("vars in a condition", when="vars.colour == 'blue'"):
                await play.command(cmd="echo {{ colour }}")
            with runner.task("both in a loop"):
                async for _ in runner.loop([1, 2]):
                    await play.debug(msg="{{ item }} {{ vars['colour'] }} {{ play_hosts | first }}")
            with runner.task("neither"):
                await play.debug(msg="{{ ansible_play_batch }}")
    return 0
