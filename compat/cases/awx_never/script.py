hosts: all


async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("the template's vars, untemplated"):
            await ftl.debug(msg="{{ jt_var }} {{ jt_list[0] }} {{ jt_list[1] + 1 }}")
    return 0
