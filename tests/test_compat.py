"""The differential suite: every compat case must match real ansible-runner outside docs/compat.md's allowances."""

from __future__ import annotations

import shutil

import pytest

from compat import allowances, harness, report
from compat.reference import ensure_reference_env

CASES = harness.all_cases()


@pytest.fixture(scope="session")
def reference_bin():
    return ensure_reference_env()


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name, marks=pytest.mark.timeout(c.timeout)) for c in CASES])
def test_case_matches_ansible_runner(case, reference_bin):
    try:
        comparison = harness.run_case(case, reference_bin)
    except harness.CaseSkipped as skip:
        pytest.skip(str(skip))
    assert comparison.reference.rc == comparison.ftl2.rc
    assert comparison.differing_lines == 0, "\n" + "\n".join(comparison.side_by_side())
    # docs/compat.md's summary says what this run measured (`python -m compat --write-docs`).
    assert report.documented_rows().get(case.name) == report.summary_row(comparison)


def test_summary_table_lists_every_case_the_harness_runs():
    """docs/compat.md's summary has one row per case, in the harness's order (refresh: --write-docs)."""
    assert list(report.documented_rows()) == [c.name for c in CASES]


def test_allowance_table_and_normalisers_agree():
    documented = allowances.documented_ids()
    assert sorted(documented) == sorted(allowances.NORMALISERS), "every normaliser must be a documented allowance"


def test_harness_detects_a_real_difference(tmp_path, reference_bin, monkeypatch):
    """The masks must not hide differences: a script that does something else must not compare equal."""
    case_dir = tmp_path / "mutant"
    shutil.copytree(harness.CASES_DIR / "two_tasks", case_dir)
    script = (case_dir / "script.py").read_text().replace('"echo one"', '"echo uno"').replace('"second task"', '"2nd task"')
    (case_dir / "script.py").write_text(script)
    comparison = harness.run_case(harness.Case.load(case_dir), reference_bin)
    assert comparison.differing_lines >= 3
    diff = "\n".join(comparison.diff)
    assert "uno" in diff and "2nd task" in diff


def test_max_event_res_empties_large_results(reference_bin):
    case = next(c for c in CASES if c.name == "max_event_res")
    comparison = harness.run_case(case, reference_bin)
    assert any("event_data.res: {}" in line for line in comparison.ftl2_lines)


def test_reference_env_is_exactly_the_pinned_set(reference_bin):
    """Every package of the reference venv is the version compat/reference-requirements.txt pins (and nothing else)."""
    import subprocess

    from compat.reference import pinned_versions

    freeze = subprocess.run(
        [shutil.which("uv") or "uv", "pip", "freeze", "--python", str(reference_bin / "python")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installed = dict(line.lower().split("==", 1) for line in freeze.splitlines() if "==" in line)
    assert installed == pinned_versions()


def test_reference_ansible_starts_without_warnings(reference_bin):
    """A warning ansible-core prints at start (a dependency's deprecation) would be a `verbose` event in every case."""
    import subprocess

    done = subprocess.run([str(reference_bin / "ansible-playbook"), "--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "Warning" not in done.stdout


def test_vault_format_interoperates_with_ansible_vault(reference_bin, tmp_path):
    """ftl2-runner's vault (format 1.1/1.2) and ansible-core's ansible-vault read each other's data."""
    import subprocess

    from ftl2_runner.data.vault import VaultSecret, decrypt, encrypt

    password = tmp_path / "password"
    password.write_text("s3cret\n")
    theirs = subprocess.run(
        [str(reference_bin / "ansible-vault"), "encrypt_string", "--vault-id", f"dev@{password}", "made by ansible-vault", "--name", "x"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    body = "\n".join(line.strip() for line in theirs.split("|", 1)[1].strip().splitlines())
    assert body.startswith("$ANSIBLE_VAULT;1.2;AES256;dev")
    assert decrypt(body, [VaultSecret("dev", b"s3cret")]) == "made by ansible-vault"
    ours = tmp_path / "ours.yml"
    ours.write_text(encrypt("made by ftl2-runner\n", "s3cret"))
    shown = subprocess.run(
        [str(reference_bin / "ansible-vault"), "view", "--vault-password-file", str(password), str(ours)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert shown == "made by ftl2-runner\n"
