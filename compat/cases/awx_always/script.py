hosts: all


async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("templated where used"):
            await ftl.debug(msg=f"{extravars['answer']} {extravars['launched']}")
        with runner.task("plain values"):
            await ftl.debug(msg="{{ jt_var }}, job {{ awx_job_id }}")
    return 0
