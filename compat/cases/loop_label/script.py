async def run(inventory_path, extravars, runner):
    users = [{"name": "alice", "uid": 1001}, {"name": "bob", "uid": 1002}]
    async with runner.automation() as ftl:
        with runner.task("users"):
            async for idx, item in runner.loop(users, label="{{ item.name }}", index_var="idx"):
                await ftl.localhost.command(cmd=f"echo {item['name']} {idx}")
        with runner.task("dict items unlabelled"):
            async for user in runner.loop([{"name": "carol"}], loop_var="user"):
                await ftl.localhost.command(cmd=f"echo {user['name']}")
    return 0
