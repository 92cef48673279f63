import os


async def run(inventory_path, extravars, runner):
    quiet = "--disable-pip-version-check"  # no look-up of pip's newest release: no network
    venv = os.path.join(os.path.dirname(runner.script_path), "..", "venv")
    async with runner.automation():
        with runner.play(hosts="r1") as play:
            with runner.task("a package that is installed"):
                await play.package(name="bash", state="present")
            with runner.task("a package that would be installed", check_mode=True):
                await play.package(name="sl", state="present")
            with runner.task("the manager named"):
                await play.package(name="bash", use="apt")
            with runner.task("a virtualenv with pip in it"):
                await play.pip(name="pip", virtualenv=venv, extra_args=quiet, virtualenv_command="python3 -m venv")
            with runner.task("pip is there"):
                await play.pip(name="pip", state="present", virtualenv=venv, extra_args=quiet)
            with runner.task("a package that is not there"):
                await play.pip(name="ftl2-compat-no-such-package", state="absent", virtualenv=venv, extra_args=quiet)
            with runner.task("dnf where there is none", ignore_errors=True):
                await play.dnf(name="bash", state="present")
    return 0
