hosts: all


async def run(inventory_path, extravars, runner):
    async with runner.automation() as ftl:
        with runner.task("each host of the slice"):
            await ftl.debug(
                msg="{{ inventory_hostname }} (host id {{ remote_tower_id }}) in workflow {{ awx_workflow_job_id }}, "
                "launched by {{ awx_job_launch_type }}"
            )
    return 0
