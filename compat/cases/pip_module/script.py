import os


async def run(inventory_path, extravars, runner):
    venv = os.path.join(os.path.dirname(runner.script_path), "..", "venv")
    async with runner.automation() as ftl:
        with runner.task("a virtualenv with pip in it"):
            await ftl.localhost.pip(name="pip", virtualenv=venv, virtualenv_command="python3 -m venv")
        with runner.task("pip is there"):
            await ftl.localhost.pip(name="pip", state="present", virtualenv=venv)
        with runner.task("a package that is not there"):
            await ftl.localhost.pip(name="ftl2-compat-no-such-package", state="absent", virtualenv=venv)
    return 0
