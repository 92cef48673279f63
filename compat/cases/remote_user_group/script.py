async def run(inventory_path, extravars, runner):
    user = {
        "name": "ftl2ci_alice",
        "uid": 47211,
        "group": "ftl2ci_staff",
        "home": "/nonexistent/ftl2ci_alice",
        "create_home": False,
        "shell": "/bin/sh",
        "comment": "Compat user",
    }
    async with runner.automation():
        with runner.play(hosts="r1") as play:
            with runner.task("create a group"):
                await play.group(name="ftl2ci_staff", gid=47211)
            with runner.task("the group is there"):
                await play.group(name="ftl2ci_staff", gid=47211)
            with runner.task("change the group's id"):
                await play.group(name="ftl2ci_staff", gid=47212)
            with runner.task("create a second group"):
                await play.group(name="ftl2ci_extra", gid=47213)
            with runner.task("create a user"):
                await play.user(**user)
            with runner.task("the user is there"):
                await play.user(**user)
            with runner.task("change the user"):
                await play.user(
                    name="ftl2ci_alice",
                    shell="/bin/bash",
                    comment="Compat user, changed",
                    groups=["ftl2ci_extra", "ftl2ci_staff"],
                    append=True,
                    create_home=False,
                )
            with runner.task("remove the user"):
                await play.user(name="ftl2ci_alice", state="absent")
            with runner.task("the user is gone"):
                await play.user(name="ftl2ci_alice", state="absent")
            with runner.task("remove the group"):
                await play.group(name="ftl2ci_staff", state="absent")
            with runner.task("the group is gone"):
                await play.group(name="ftl2ci_staff", state="absent")
            with runner.task("remove the second group"):
                await play.group(name="ftl2ci_extra", state="absent")
    return 0
