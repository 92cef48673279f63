"""Inventory sources and semantics (the rules of ftl2_runner/inventory/model.py)."""

from __future__ import annotations

import json

import pytest

from ftl2_runner.inventory import InventoryError, load, load_vars_dir
from ftl2_runner.inventory.ftl2_adapter import host_settings, to_ftl2


def test_yaml_inventory_with_nested_children(tmp_path):
    source = tmp_path / "hosts.yml"
    source.write_text("""
all:
  vars: {level: all, ansible_user: deploy}
  children:
    dc1:
      vars: {level: dc1}
      children:
        web:
          hosts:
            web[01:03].example.com: {}
          vars: {level: web}
    db:
      hosts:
        db1: {level: host, ansible_port: 2222}
""")
    inv = load(str(source))
    assert inv.match("dc1") == ["web01.example.com", "web02.example.com", "web03.example.com"]
    assert inv.match("all:!web") == ["db1"]
    assert inv.effective_vars("web02.example.com")["level"] == "web"  # deeper group wins
    assert inv.effective_vars("db1")["level"] == "host"  # host vars win
    assert inv.effective_vars("db1")["ansible_user"] == "deploy"
    assert inv.match("web[1:]") == ["web02.example.com", "web03.example.com"]


def test_directory_with_group_and_host_vars(tmp_path):
    inventory_dir = tmp_path / "inventory"
    (inventory_dir / "group_vars").mkdir(parents=True)
    (inventory_dir / "host_vars").mkdir()
    (inventory_dir / "01-hosts.ini").write_text("[app]\na1\na2 ansible_host=10.0.0.2\n")
    (inventory_dir / "02-more.yml").write_text("all:\n  children:\n    extra:\n      hosts:\n        x1:\n")
    (inventory_dir / "group_vars" / "app.yml").write_text("role: application\n")
    (inventory_dir / "group_vars" / "all").write_text("env: prod\n")
    (inventory_dir / "host_vars" / "a1.yml").write_text("role: special\n")
    inv = load(str(inventory_dir))
    assert inv.hosts == ["a1", "a2", "x1"]
    assert inv.effective_vars("a1") == {"env": "prod", "role": "special"}
    assert inv.effective_vars("a2") == {"env": "prod", "role": "application", "ansible_host": "10.0.0.2"}
    assert inv.effective_vars("x1") == {"env": "prod"}


def test_ini_values_ranges_and_ungrouped(tmp_path):
    source = tmp_path / "hosts"
    source.write_text("loose ansible_port=2200 flag=True name='two words'\n[g]\nn[a:c] ansible_connection=local\n")
    inv = load(str(source))
    assert inv.match("ungrouped") == ["loose"]
    assert inv.effective_vars("loose") == {"ansible_port": 2200, "flag": True, "name": "two words"}
    assert inv.match("g") == ["na", "nb", "nc"]


def test_ini_values_python_warns_about_are_strings_without_a_warning(tmp_path):
    """A path like /tmp/run-9if/key made Python's parser warn "invalid decimal literal", shown as the job's [WARNING]."""
    import warnings

    source = tmp_path / "hosts"
    source.write_text("h1 ansible_ssh_private_key_file=/tmp/compat-x-1or/key port=0777 size=1_000\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        inv = load(str(source))
    assert [str(w.message) for w in caught] == []
    assert inv.effective_vars("h1") == {"ansible_ssh_private_key_file": "/tmp/compat-x-1or/key", "port": "0777", "size": 1000}


@pytest.mark.parametrize("text", ["[g]\nhost bad-token\n", "[g:weird]\nx\n", "{not json"])
def test_broken_sources_are_errors(tmp_path, text):
    source = tmp_path / ("hosts.json" if text.startswith("{") else "hosts")
    source.write_text(text)
    with pytest.raises(InventoryError):
        load(str(source))


def test_translation_for_ftl2_and_command_line_defaults(tmp_path):
    source = tmp_path / "hosts"
    source.write_text("[all:vars]\nansible_ssh_private_key_file=~/keys/id\n[g]\nh1 ansible_ssh_pass=pw\nh2 ansible_user=own\n")
    inv = load(str(source))
    settings = host_settings(inv.effective_vars("h1"), {"ANSIBLE_HOST_KEY_CHECKING": "False"}, {"ansible_user": "cli"})
    assert settings["ssh_private_key_file"].endswith("/keys/id") and settings["ansible_password"] == "pw"
    assert settings["disable_host_key_checking"] is True and settings["ansible_user"] == "cli"
    checked = host_settings(inv.effective_vars("h1"), {}, {})
    assert "disable_host_key_checking" not in checked  # Ansible checks host keys unless told not to
    ftl2_inventory = to_ftl2(inv, ["h1", "h2"], {}, {"ansible_user": "cli", "ansible_become": True})
    hosts = ftl2_inventory.get_all_hosts()
    assert hosts["h1"].ansible_user == "cli" and hosts["h2"].ansible_user == "own"  # inventory beats -u
    assert hosts["h1"].ansible_become is True
    assert [h.name for h in ftl2_inventory.get_group("all").list_hosts()] == ["h1", "h2"]
    json.dumps(hosts["h1"].vars)  # plain data


def test_group_and_host_vars_dirs_have_ansibles_precedence(tmp_path):
    # ansible-core 2.21 (VARIABLE_PRECEDENCE's default): each level below is overridden by the next one.
    inventory_dir, project = tmp_path / "inventory", tmp_path / "project"
    for base in (inventory_dir, project):
        (base / "group_vars").mkdir(parents=True)
        (base / "host_vars").mkdir()
    levels = [f"l{n:02d}" for n in range(1, 10)]
    (inventory_dir / "hosts").write_text(
        "[web]\nh1 " + " ".join(f"{name}=file_host" for name in levels[6:]) + "\nh2\n"
        "[all:vars]\n" + "\n".join(f"{name}=file_all" for name in levels) + "\n"
        "[web:vars]\n" + "\n".join(f"{name}=file_web" for name in levels[1:]) + "\n"
    )

    def write(path, value, first):
        path.write_text("".join(f"{name}: {value}\n" for name in levels[first:]))

    write(inventory_dir / "group_vars" / "all.yml", "invdir_all", 2)
    write(project / "group_vars" / "all.yml", "project_all", 3)
    write(inventory_dir / "group_vars" / "web.yml", "invdir_web", 4)
    write(project / "group_vars" / "web.yml", "project_web", 5)
    write(inventory_dir / "host_vars" / "h1.yml", "invdir_host", 7)
    write(project / "host_vars" / "h1.yml", "project_host", 8)
    inv = load(str(inventory_dir))
    playbook = (load_vars_dir(project),)
    assert [inv.effective_vars("h1", playbook)[name] for name in levels] == [
        "file_all",
        "file_web",
        "invdir_all",
        "project_all",
        "invdir_web",
        "project_web",
        "file_host",
        "invdir_host",
        "project_host",
    ]
    assert inv.effective_vars("h2", playbook)["l09"] == "project_web"
    assert inv.effective_vars("h2")["l09"] == "invdir_web"  # without the playbook's directory
    assert inv.host_sources == {"h1": str(inventory_dir / "hosts"), "h2": str(inventory_dir / "hosts")}
    assert set(inv.groups) == {"all", "ungrouped", "web"}  # group_vars of no group add no group
