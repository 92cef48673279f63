"""The AWX job builder (compat/awx_jobs.py) writes the bytes §7 of the AWX reference quotes."""

from __future__ import annotations

import json
import stat

from compat.awx_jobs import (
    AwxJob,
    CustomCredential,
    Group,
    Inventory,
    MachineCredential,
    SurveyQuestion,
    VaultCredential,
    build_job,
    extravars_text,
    safe_dump,
    sliced,
)
from ftl2_runner.data.ansible_yaml import load
from ftl2_runner.data.unsafe import UnsafeText


def test_safe_dump_matches_awxs_own_unit_tests():
    # awx/main/tests/unit/utils/test_safe_yaml.py, as quoted in §7.2
    assert safe_dump({}) == ""
    assert safe_dump({"a": None}) == "!unsafe 'a': null\n"
    assert safe_dump({"a": 1}) == "!unsafe 'a': 1\n"
    assert safe_dump({"a": "b"}) == "!unsafe 'a': !unsafe 'b'\n"
    assert safe_dump({"a": "🐉"}) == "!unsafe 'a': !unsafe \"\\U0001F409\"\n"
    assert safe_dump({"a": ["b"]}) == "!unsafe 'a':\n- !unsafe 'b'\n"
    assert safe_dump({"a": "b"}, {"a": "b"}) == "a: b\n"


def test_safe_dump_corner_cases_as_observed():
    text = safe_dump(
        {
            "long": "word " * 20,
            "multi": "line1\nline2",
            "dragon": "🐉",
            "ü": "é",
            "yes_str": "yes",
            "empty": [],
            "emptyd": {},
            "f": 1.5,
            "none": None,
        }
    )
    assert text == (
        "!unsafe 'long': !unsafe 'word word word word word word word word word word word word\n"
        "  word word word word word word word word '\n"
        "!unsafe 'multi': !unsafe 'line1\n\n  line2'\n"
        "!unsafe 'dragon': !unsafe \"\\U0001F409\"\n"
        '!unsafe "\\xFC": !unsafe "\\xE9"\n'
        "!unsafe 'yes_str': !unsafe 'yes'\n"
        "!unsafe 'empty': []\n"
        "!unsafe 'emptyd': {}\n"
        "!unsafe 'f': 1.5\n"
        "!unsafe 'none': null\n"
    )


JT = {"jt_var": "{{ 6 * 7 }}", "jt_list": ["a", 1], "overridden": "from-jt"}


def _observed_job(allow_jinja: str) -> AwxJob:
    return AwxJob(
        allow_jinja=allow_jinja,
        job_template_extra_vars=JT,
        survey=[SurveyQuestion("survey_pw", "password")],
        survey_answers={"overridden": "at-launch", "survey_pw": "s3cr3t"},
        extra_vars={"launch_var": "{{ 6 * 7 }}", "nested": {"k": ["{{ x }}", 2, True, None]}},
    )


def test_extravars_under_template_never_and_always(tmp_path):
    built = build_job(_observed_job("template"), tmp_path / "t")
    text = (built.private_data_dir / "env" / "extravars").read_text()
    assert text.startswith(
        "jt_var: '{{ 6 * 7 }}'\n"
        "jt_list:\n- a\n- 1\n"
        "!unsafe 'overridden': !unsafe 'at-launch'\n"
        "!unsafe 'survey_pw': !unsafe 's3cr3t'\n"
        "!unsafe 'launch_var': !unsafe '{{ 6 * 7 }}'\n"
        "!unsafe 'nested':\n  !unsafe 'k':\n  - !unsafe '{{ x }}'\n  - 2\n  - true\n  - null\n"
        "!unsafe 'awx_job_id': 42\n!unsafe 'awx_job_launch_type': !unsafe 'manual'\n"
        "!unsafe 'tower_job_id': 42\n!unsafe 'tower_job_launch_type': !unsafe 'manual'\n"
        "!unsafe 'awx_user_id': 1\n!unsafe 'awx_user_name': !unsafe 'admin'\n"
    )
    assert text.endswith("!unsafe 'awx_execution_node': !unsafe 'exec1'\n!unsafe 'tower_execution_node': !unsafe 'exec1'\n")
    never = (build_job(_observed_job("never"), tmp_path / "n").private_data_dir / "env" / "extravars").read_text()
    assert never.startswith("!unsafe 'jt_var': !unsafe '{{ 6 * 7 }}'\n!unsafe 'jt_list':\n- !unsafe 'a'\n- 1\n")
    always = (build_job(_observed_job("always"), tmp_path / "a").private_data_dir / "env" / "extravars").read_text()
    assert "!unsafe" not in always and always.startswith("awx_execution_node: exec1\nawx_inventory_id: 3\n")
    assert "jt_var: '{{ 6 * 7 }}'\nlaunch_var: '{{ 6 * 7 }}'\nnested:\n  k:\n  - '{{ x }}'\n  - 2\n" in always
    # Our loader reads every form: tagged keys and values are unsafe text, ints stay ints.
    loaded = load(text)
    assert loaded["jt_var"] == "{{ 6 * 7 }}" and not isinstance(loaded["jt_var"], UnsafeText)
    assert isinstance(loaded["launch_var"], UnsafeText) and isinstance(loaded["nested"]["k"][0], UnsafeText)
    assert loaded["awx_job_id"] == 42 and loaded["nested"]["k"][1:] == [2, True, None]
    assert load(always)["launch_var"] == "{{ 6 * 7 }}"


def test_playbook_job_files_kwargs_and_modes(tmp_path):
    job = AwxJob(
        project={"site.yml": "- hosts: all\n"},
        inventory=Inventory(
            hosts={"db1": {}, "web1": {"ansible_connection": "local"}, "web2": {}},
            groups={"prod": Group(children=["web"]), "web": Group(hosts=["web1", "web2"], vars={"tier": "front"})},
            vars={"ntp": "pool"},
        ),
        job_type="check",
        machine=MachineCredential(username="deploy", become_username="app", ssh_key_data="KEY", ssh_key_unlock="phrase"),
        become_enabled=True,
        diff_mode=True,
        forks=10,
        force_handlers=True,
        limit="web:&prod",
        verbosity=3,
        job_tags="install,config",
        skip_tags="slow",
        start_at_task="Install packages",
        vaults=[VaultCredential("vaultpw"), VaultCredential("devpw", "dev")],
        custom=[CustomCredential(extra_vars={"api_token": "ABC123"}, env={"MY_TOKEN": "t"})],
        use_fact_cache=True,
        facts={"web1": {"old_fact": 1}, "nosuch": {"x": 1}},
        timeout=3600,
        idle_timeout=600,
    )
    built = build_job(job, tmp_path)
    pdd = built.private_data_dir
    assert pdd.name.startswith("awx_42_") and stat.S_IMODE(pdd.stat().st_mode) == 0o700
    cmdline = (pdd / "env" / "cmdline").read_text()
    head, _, tmp_arg = cmdline.rpartition(" -e ")
    assert head == (
        "--check -u deploy --become --diff --become-user app --ask-vault-pass --vault-id dev@prompt --forks=10 "
        "--force-handlers -l 'web:&prod' -vvv -t install,config --skip-tags=slow '--start-at-task=Install packages'"
    )
    assert tmp_arg.startswith("@/runner/env/tmp")
    custom = pdd / "env" / tmp_arg.rpartition("/")[2]
    assert custom.read_text() == "!unsafe 'api_token': !unsafe 'ABC123'\n" and stat.S_IMODE(custom.stat().st_mode) == 0o400
    hosts = pdd / "inventory" / "hosts"
    assert stat.S_IMODE(hosts.stat().st_mode) == 0o700
    script = hosts.read_text()
    assert script.startswith('#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(\'{"all": {"vars": {"ntp": "pool"}, ')
    data = json.loads(eval(script.splitlines()[2][len("print(") : -1]))  # the repr'd JSON
    assert data["all"] == {"vars": {"ntp": "pool"}, "hosts": ["db1"], "children": ["prod", "web"]}
    assert data["web"] == {"hosts": ["web1", "web2"], "vars": {"tier": "front"}} and data["prod"] == {"children": ["web"]}
    assert data["_meta"]["hostvars"]["web1"] == {
        "ansible_connection": "local",
        "remote_host_enabled": "true",
        "remote_host_id": 101,
        "remote_tower_enabled": "true",
        "remote_tower_id": 101,
    }
    assert (pdd / "env" / "settings").read_text() == (
        '{"job_timeout": 3600, "suppress_ansible_output": true, "suppress_output_file": true, "idle_timeout": 600}'
    )
    assert (pdd / "artifacts" / "42" / "fact_cache" / "web1").read_text() == '{"old_fact": 1}'
    assert not (pdd / "artifacts" / "42" / "fact_cache" / "nosuch").exists()
    assert stat.S_IMODE((pdd / "cp").stat().st_mode) == 0o700
    kwargs = built.kwargs
    assert kwargs["ident"] == 42 and kwargs["playbook"] == "site.yml" and kwargs["ssh_key"] == "KEY"
    assert kwargs["fact_cache_type"] == "jsonfile" and kwargs["suppress_env_files"] is True
    answers = kwargs["passwords"]
    assert len(answers) == 31 and answers[r"Enter passphrase for .*:\s*?$"] == "phrase"
    assert answers[r"Vault password:\s*?$"] == "vaultpw" and answers[r"Vault password \(dev\):\s*?$"] == "devpw"
    env = kwargs["envvars"]
    assert list(env)[:6] == [
        "ANSIBLE_FORCE_COLOR",
        "ANSIBLE_HOST_KEY_CHECKING",
        "ANSIBLE_INVENTORY_UNPARSED_FAILED",
        "ANSIBLE_PARAMIKO_RECORD_HOST_KEYS",
        "AWX_PRIVATE_DATA_DIR",
        "JOB_ID",
    ]
    assert env["ANSIBLE_SSH_CONTROL_PATH_DIR"] == "/runner/cp" and env["MY_TOKEN"] == "t"


def test_minimal_job_adhoc_project_and_inventory_updates(tmp_path):
    minimal = build_job(AwxJob(project={"site.yml": ""}), tmp_path / "job")
    assert (minimal.private_data_dir / "env" / "cmdline").read_text() == "-u root"
    assert len(minimal.kwargs["passwords"]) == 30 and "ssh_key" not in minimal.kwargs
    adhoc = build_job(AwxJob(kind="adhoc", become_enabled=True, forks=5, diff_mode=True, verbosity=1, limit="localhost"), tmp_path / "a")
    assert (adhoc.private_data_dir / "env" / "cmdline").read_text() == "-u root --become --forks=5 --diff -v localhost"
    assert len(adhoc.kwargs["passwords"]) == 29 and "playbook" not in adhoc.kwargs and adhoc.kwargs["module"] == "command"
    assert not any((adhoc.private_data_dir / "project").iterdir())
    assert "awx_job_template_id" not in load((adhoc.private_data_dir / "env" / "extravars").read_text())
    update = build_job(AwxJob(kind="project_update", playbook="project_update.yml"), tmp_path / "p")
    assert (update.private_data_dir / "env" / "cmdline").read_text() == "-t update_git,install_roles,install_collections"
    assert update.kwargs["inventory"] == "localhost,"
    assert (
        (update.private_data_dir / "env" / "extravars").read_text().startswith("!unsafe 'projects_root': !unsafe '/var/lib/awx/projects'\n")
    )
    inventory = build_job(AwxJob(kind="inventory_update", id=9, project={"inventory.ini": "h1\n"}), tmp_path / "i")
    assert (inventory.private_data_dir / "args").read_text() == (
        "ansible-inventory --list --export -i /runner/project/inventory.ini --output /runner/artifacts/9/output.json "
        "--playbook-dir /runner/project"
    )
    assert not (inventory.private_data_dir / "env" / "extravars").exists() and "passwords" not in inventory.kwargs


def test_sliced_job_gets_every_nth_host_and_workflow_vars(tmp_path):
    job = AwxJob(inventory=Inventory(hosts={f"h{i}": {} for i in range(5)}), project={"site.yml": ""})
    first, second = (build_job(j, tmp_path / str(j.id)) for j in sliced(job, 2))
    for built, hosts in ((first, ["h0", "h2", "h4"]), (second, ["h1", "h3"])):
        script = (built.private_data_dir / "inventory" / "hosts").read_text()
        data = json.loads(eval(script.splitlines()[2][len("print(") : -1]))
        assert data["all"]["hosts"] == hosts
        variables = load((built.private_data_dir / "env" / "extravars").read_text())
        assert variables["awx_workflow_job_id"] == 1042 and variables["awx_job_launch_type"] == "workflow"


def test_extravars_text_refuses_an_unknown_setting():
    import pytest

    with pytest.raises(ValueError, match="ALLOW_JINJA_IN_EXTRA_VARS"):
        extravars_text({}, "sometimes")
