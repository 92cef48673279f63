"""Run through deploy.yml, the launcher that AWX lists."""

import os
import tempfile


async def run(inventory_path, extravars, runner):
    release = extravars["release"]
    marker_dir = extravars.get("marker_dir") or os.path.join(tempfile.gettempdir(), "ftl2-awx-example")
    async with runner.automation() as ftl:
        with runner.task(f"record release {release}"):
            await ftl.shell(cmd=f"mkdir -p {marker_dir} && echo {release} > {marker_dir}/release")
        with runner.task("show the release"):
            await ftl.command(cmd=f"cat {marker_dir}/release")
    return 0
