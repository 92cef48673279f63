PLAY_VARS = {"environment_name": "production", "greeting": "{{ app }} on {{ inventory_hostname }}"}
VARS_FILES = ["vars/common.yml", "vars/env/{{ environment_name }}.yml", ["vars/env/missing.yml", "vars/defaults.yml"]]


async def run(inventory_path, extravars, runner):
    async with runner.automation():
        with runner.play("play vars and vars_files", hosts="web", vars=PLAY_VARS, vars_files=VARS_FILES) as play:
            with runner.task("from the play and its files"):
                await play.debug(msg="{{ greeting }} {{ listen }} {{ dbhost }} {{ replicas }}")
            with runner.task("from -e @file"):
                await play.debug(msg="{{ banner }}")
            with runner.task("include a file"):
                await runner.include_vars("limits.yml")
            with runner.task("include a file under a name"):
                await runner.include_vars(file="vars/limits.yml", name="limits")
            with runner.task("include a directory"):
                await runner.include_vars(dir="vars/extra", ignore_unknown_extensions=True)
            with runner.task("the included variables"):
                await play.debug(msg="{{ max_clients }} {{ client_timeout }} {{ limits.max_clients }} {{ feature_a }} {{ feature_b }}")
            with runner.task("a missing file", ignore_errors=True):
                await runner.include_vars("nowhere.yml")

        with runner.play("the next play", hosts="web") as play:
            with runner.task("included variables stay, play variables do not"):
                await play.debug(msg="{{ max_clients }} {{ greeting | default('no greeting') }} {{ listen | default('no listen') }}")
    return 0
