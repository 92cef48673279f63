async def run(inventory_path, extravars, runner):
    user = {
        "name": "ftl2compat_alice",
        "uid": 47211,
        "group": "ftl2compat_staff",
        "home": "/nonexistent/ftl2compat_alice",
        "create_home": False,
        "shell": "/bin/sh",
        "comment": "Compat user",
    }
    async with runner.automation() as ftl:
        with runner.task("create a group"):
            await ftl.localhost.group(name="ftl2compat_staff", gid=47211)
        with runner.task("the group is there"):
            await ftl.localhost.group(name="ftl2compat_staff", gid=47211)
        with runner.task("change the group's id"):
            await ftl.localhost.group(name="ftl2compat_staff", gid=47212)
        with runner.task("create a second group"):
            await ftl.localhost.group(name="ftl2compat_extra", gid=47213)
        with runner.task("create a user"):
            await ftl.localhost.user(**user)
        with runner.task("the user is there"):
            await ftl.localhost.user(**user)
        with runner.task("change the user"):
            await ftl.localhost.user(
                name="ftl2compat_alice",
                shell="/bin/bash",
                comment="Compat user, changed",
                groups=["ftl2compat_extra", "ftl2compat_staff"],
                append=True,
                create_home=False,
            )
        with runner.task("remove the user"):
            await ftl.localhost.user(name="ftl2compat_alice", state="absent")
        with runner.task("the user is gone"):
            await ftl.localhost.user(name="ftl2compat_alice", state="absent")
        with runner.task("remove the group"):
            await ftl.localhost.group(name="ftl2compat_staff", state="absent")
        with runner.task("the group is gone"):
            await ftl.localhost.group(name="ftl2compat_staff", state="absent")
        with runner.task("remove the second group"):
            await ftl.localhost.group(name="ftl2compat_extra", state="absent")
    return 0
