async def run(inventory_path, extravars, runner):
    users = {"alice": {"uid": 1001, "groups": ["wheel", "dev"]}, "bob": {"uid": 1002, "groups": ["dev"]}}
    async with runner.automation():
        with runner.play(hosts="all", vars={"users": users, "ports": [80, 443]}) as play:
            with runner.task("with_items"):
                async for item in runner.with_items(["one", ["two", "three"]]):
                    await play.command(cmd=f"echo {item}")
            with runner.task("with_dict"):
                async for _ in runner.with_dict("{{ users }}"):
                    await play.debug(msg="{{ item.key }} is {{ item.value.uid }}")
            with runner.task("with_together"):
                async for _ in runner.with_together(["a", "b", "c"], [1, 2]):
                    await play.debug(msg="{{ item.0 }}-{{ item.1 }}")
            with runner.task("with_sequence"):
                async for item in runner.with_sequence("start=1 end=3"):
                    await play.command(cmd=f"echo {item}")
            with runner.task("with_fileglob"):
                async for _ in runner.with_fileglob("glob/*.txt"):
                    await play.debug(msg="{{ item | basename }}")
            with runner.task("with_subelements"):
                async for _ in runner.with_subelements(
                    [{"name": "alice", "groups": ["wheel", "dev"]}, {"name": "bob", "groups": ["dev"]}], "groups"
                ):
                    await play.debug(msg="{{ item.0.name }} in {{ item.1 }}")
            with runner.task("with_nested"):
                async for _ in runner.with_nested(["x", "y"], "{{ ports }}"):
                    await play.command(cmd="echo {{ item.0 }} {{ item.1 }}")
            with runner.task("a loop given as a template"):
                async for _ in runner.loop("{{ users | dict2items }}"):
                    await play.debug(msg="{{ item.key }}")
            with runner.task("debug var in a loop"):
                async for _ in runner.loop([1, 2]):
                    await play.debug(var="item")
            with runner.task("only at -vv", register="hidden"):
                await play.debug(msg="hidden", verbosity=2)
            with runner.task("what it registered"):
                await play.debug(var="hidden")
            with runner.task("a loop only at -v"):
                async for _ in runner.loop([1, 2]):
                    await play.debug(msg="{{ item }}", verbosity=1)
            with runner.task("shown at -v0"):
                await play.debug(msg="shown", verbosity=0)
    return 0
