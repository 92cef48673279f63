"""Bad transmit input: always an error status with an explanation, then eof; nothing written outside."""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import subprocess
import zipfile

import pytest
from after_test import check_after_test
from streams import FTL2_RUNNER, make_data_dir, parse_stream, pipeline, transmit, worker_env

KWARGS = json.dumps({"kwargs": {"playbook": "job.py", "ident": "bad"}}).encode() + b"\n"
EOF_LINE = b'{"eof": true}\n'
SCRIPT = """
async def run(inventory_path, extravars, runner):
    print("the job ran")
    return 0
"""


def _zip(entries) -> bytes:
    """entries: (name, data, mode) with mode e.g. 0o100644 or 0o120777 for a symlink."""
    import warnings

    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are what some tests send
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data.encode() if isinstance(data, str) else data)
    return buffer.getvalue()


def _stream(zip_bytes: bytes) -> bytes:
    return KWARGS + json.dumps({"zipfile": len(zip_bytes)}).encode() + b"\n" + base64.b64encode(zip_bytes) + EOF_LINE


def _worker(stdin: bytes, workdir, env=None):
    done = subprocess.run(
        [FTL2_RUNNER, "worker", f"--private-data-dir={workdir}"], input=stdin, capture_output=True, timeout=120, env=env or worker_env()
    )
    return done


@pytest.fixture
def sandbox(tmp_path, request):
    """A data dir with a canary file next to it that must never change (checked after the test)."""
    canary = tmp_path / "canary.txt"
    canary.write_text("untouched")
    os.utime(canary, (1_600_000_000, 1_600_000_000))
    before = sorted(p.name for p in tmp_path.iterdir())

    def nothing_written_outside() -> None:
        assert canary.read_text() == "untouched"
        assert canary.stat().st_mtime == 1_600_000_000
        assert stat.S_IMODE(canary.stat().st_mode) == 0o644
        assert sorted(p.name for p in tmp_path.iterdir() if p.name != "pdd") == [n for n in before if n != "pdd"]

    check_after_test(request, nothing_written_outside)
    return tmp_path / "pdd"


def _assert_error(done, fragment: str):
    assert done.stderr == b"", done.stderr.decode()
    lines = parse_stream(done.stdout)
    assert lines[-1] == {"eof": True} or lines[-1].get("eof") is True
    status = lines[-2]
    assert status["status"] == "error" and "runner_ident" not in status
    assert fragment in status["job_explanation"] + status.get("result_traceback", "")
    from awx_receiver import check_stream

    assert check_stream(done.stdout)["status"] == "error"


@pytest.mark.parametrize(
    ("stdin", "fragment"),
    [
        pytest.param(b"", "Failed to JSON parse a line from transmit stream", id="empty"),
        pytest.param(b"this is not json\n", "Failed to JSON parse", id="garbage"),
        pytest.param(b"\n" + KWARGS + EOF_LINE, "Failed to JSON parse", id="blank-line"),
        pytest.param(KWARGS, "Failed to JSON parse", id="missing-eof"),
        pytest.param(EOF_LINE, "without a kwargs record", id="eof-only"),
        pytest.param(b"123\n" + KWARGS + EOF_LINE, "JSON but not an object", id="json-number"),
        pytest.param(b'"kwargs"\n', "JSON but not an object", id="json-string"),
        pytest.param(b"[1, 2]\n", "JSON but not an object", id="json-list"),
    ],
)
def test_malformed_streams(sandbox, stdin, fragment):
    _assert_error(_worker(stdin, sandbox), fragment)


def test_truncated_base64(sandbox):
    payload = _zip([("project/job.py", SCRIPT.encode(), 0o100644)])
    full = base64.b64encode(payload)
    stream = KWARGS + json.dumps({"zipfile": len(payload)}).encode() + b"\n" + full[: len(full) // 2] + EOF_LINE
    _assert_error(_worker(stream, sandbox), "Failed to extract private data directory")


def test_corrupt_zip(sandbox):
    junk = b"PK\x03\x04" + os.urandom(300)
    _assert_error(_worker(_stream(junk), sandbox), "Failed to extract private data directory")


@pytest.mark.parametrize(
    ("entries", "fragment"),
    [
        pytest.param([("../escaped.txt", b"x", 0o100644)], "points outside", id="dot-dot"),
        pytest.param([("project/../../escaped.txt", b"x", 0o100644)], "points outside", id="nested-dot-dot"),
        pytest.param([("{outside}/absolute-escape.txt", b"x", 0o100644)], "absolute path", id="absolute"),
        pytest.param(
            [("project/link", b"../..", 0o120777), ("project/link/escaped.txt", b"x", 0o100644)],
            "through the symlink",
            id="symlink-then-write",
        ),
    ],
)
def test_hostile_entries_are_refused_before_extraction(sandbox, entries, fragment):
    entries = [(name.format(outside=sandbox.parent), data, mode) for name, data, mode in entries]
    done = _worker(_stream(_zip(entries)), sandbox)
    _assert_error(done, fragment)
    assert not (sandbox.parent / "escaped.txt").exists()
    assert not (sandbox.parent / "absolute-escape.txt").exists()


def test_zip_bomb_is_refused(sandbox):
    bomb = _zip([("project/bomb.bin", b"\0" * (40 * 1024 * 1024), 0o100644)])
    assert len(bomb) < 200_000
    done = _worker(_stream(bomb), sandbox)
    _assert_error(done, "compression ratio")
    assert not (sandbox / "project" / "bomb.bin").exists()


def test_a_zip_bomb_of_many_entries_under_the_per_entry_size_is_refused(sandbox):
    """64 entries of 16 MiB of zeros (none larger than the per-entry rule's 16 MiB): 1 GiB from a
    payload of about 1 MiB. Refused by the whole archive's ratio, before anything is written."""
    zeros = b"\0" * (16 * 1024 * 1024)
    bomb = _zip([("project/job.py", SCRIPT, 0o100644)] + [(f"project/part{index}.bin", zeros, 0o100644) for index in range(64)])
    assert len(bomb) < 2 * 1024 * 1024
    done = _worker(_stream(bomb), sandbox)
    _assert_error(done, "compression ratio")
    assert not (sandbox / "project").exists()


@pytest.mark.parametrize("shape", ["deep", "long-component"])
def test_very_long_entry_names_are_refused_at_once(sandbox, shape):
    """Three 60,000-character names (30,000 components each, or one long component): no file system
    takes them (PATH_MAX 4096, NAME_MAX 255), so they are refused by length, and the checks are linear
    in a name's depth (they took 50 s, quadratic in the depth; ansible-runner fails in 0.9 s)."""
    import time

    name = "project/" + ("d/" * 30_000 if shape == "deep" else "x" * 60_000) + "f{index}"
    payload = _zip([(name.format(index=index), b"x", 0o100644) for index in range(3)])
    started = time.monotonic()
    done = subprocess.run(
        [FTL2_RUNNER, "worker", f"--private-data-dir={sandbox}"], input=_stream(payload), capture_output=True, timeout=30, env=worker_env()
    )
    print(f"refused after {time.monotonic() - started:.2f} s")
    _assert_error(done, "longer than")
    assert not (sandbox / "project").exists()


def test_total_size_limit_is_configurable(sandbox):
    payload = _zip([("project/job.py", SCRIPT.encode(), 0o100644), ("project/data.bin", os.urandom(200_000), 0o100644)])
    done = _worker(_stream(payload), sandbox, env=worker_env(FTL2_RUNNER_MAX_UNZIPPED_BYTES="100000"))
    _assert_error(done, "unpacks to more than 100000 bytes")


def test_large_zip_works(tmp_path):
    pdd = make_data_dir(tmp_path, SCRIPT)
    (pdd / "project" / "blob.bin").write_bytes(os.urandom(3 * 1024 * 1024))
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful"
    assert (tmp_path / "worker" / "project" / "blob.bin").stat().st_size == 3 * 1024 * 1024


def test_symlinks_inside_the_project_still_work(tmp_path):
    pdd = make_data_dir(tmp_path, SCRIPT)
    (pdd / "project" / "lib").mkdir()
    (pdd / "project" / "lib" / "helper.txt").write_text("help")
    os.symlink("lib", pdd / "project" / "lib-link")
    os.symlink("/etc/hostname", pdd / "project" / "outside-link")  # allowed: nothing is written through it
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful"
    assert os.readlink(tmp_path / "worker" / "project" / "lib-link") == "lib"


def test_fifo_in_the_senders_tree_is_skipped(tmp_path):
    pdd = make_data_dir(tmp_path, SCRIPT)
    os.mkfifo(pdd / "project" / "a-fifo")
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful"
    assert not (tmp_path / "worker" / "project" / "a-fifo").exists()


# --- round 2: what upstream really extracts, in the order it extracts it ---------------------------

_FILE, _LINK = 0o100644, 0o120777


@pytest.mark.parametrize(
    "entries",
    [
        pytest.param([("project/l", "{canary}", _LINK), ("project/l", "pwned", 0o104755)], id="symlink-then-file"),
        pytest.param([("project/l", "x", _FILE), ("project/l", "{canary}", _LINK), ("project/l", "pwned", _FILE)], id="file-symlink-file"),
        pytest.param([("project/l", "{canary}", _LINK), ("project/l/", "", 0o40755)], id="symlink-then-dir"),
        pytest.param([("project/l", "{canary}", _LINK), ("project//./l", "pwned", _FILE)], id="same-path-other-spelling"),
    ],
)
def test_duplicate_entry_names_are_refused(sandbox, entries):
    canary = sandbox.parent / "canary.txt"
    entries = [("project/job.py", SCRIPT, _FILE)] + [(n, d.format(canary=canary), m) for n, d, m in entries]
    done = _worker(_stream(_zip(entries)), sandbox)
    _assert_error(done, "appears more than once")
    assert not (sandbox / "project" / "l").exists()


@pytest.mark.parametrize(
    "link",
    [
        "artifacts/bad/command",
        "artifacts/bad/stdout",
        "artifacts/bad/job_events",
        "artifacts/bad",
        "artifacts",
        "env/envvars",
        "env/cmdline",
        "env",
        "project",
        "inventory",
    ],
)
def test_symlinks_where_the_worker_writes_are_refused(sandbox, link):
    target = sandbox.parent / "canary.txt"
    entries = [("project/job.py", SCRIPT, _FILE), (link, str(target), _LINK)]
    done = _worker(_stream(_zip(entries)), sandbox)
    _assert_error(done, "is a symlink where the worker writes")
    assert not os.path.lexists(sandbox / link)


@pytest.mark.parametrize("dangling", [False, True], ids=["to-a-file", "dangling"])
def test_a_reused_data_dir_is_never_written_through_its_symlinks(sandbox, dangling):
    """A data dir reused without --delete whose project/job.py is already a symlink out of it."""
    target = sandbox.parent / ("created-outside.txt" if dangling else "canary.txt")
    (sandbox / "project").mkdir(parents=True)
    os.symlink(target, sandbox / "project" / "job.py")
    done = _worker(_stream(_zip([("project/job.py", SCRIPT, _FILE)])), sandbox)
    _assert_error(done, "is an existing symlink")
    assert not target.exists() or target.read_text() == "untouched"


def test_a_reused_symlink_is_replaced_by_the_archives_symlink(tmp_path):
    """The common re-run: the same project, symlinks and all, extracted again into the same dir."""
    pdd = make_data_dir(tmp_path, SCRIPT)
    os.symlink("job.py", pdd / "project" / "alias.py")
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "successful"
    stream = transmit(pdd, "-p", "job.py")
    again = subprocess.run(
        [FTL2_RUNNER, "worker", f"--private-data-dir={tmp_path / 'worker'}"],
        input=stream,
        capture_output=True,
        timeout=120,
        env=worker_env(),
    )
    assert [r["status"] for r in parse_stream(again.stdout) if "status" in r][-1] == "successful", again.stdout[-2000:]
    assert os.readlink(tmp_path / "worker" / "project" / "alias.py") == "job.py"


# --- paths the job writes later: ident, env/, artifacts/, the fact cache --------------------------


def _kwargs_stream(kwargs: dict, zip_bytes: bytes | None = None) -> bytes:
    head = json.dumps({"kwargs": kwargs}).encode() + b"\n"
    if zip_bytes is None:
        return head + EOF_LINE
    return head + json.dumps({"zipfile": len(zip_bytes)}).encode() + b"\n" + base64.b64encode(zip_bytes) + EOF_LINE


@pytest.mark.parametrize("ident", ["../escaped", "a/b", "..", "."])
def test_idents_that_are_not_one_path_component_are_refused(sandbox, ident):
    stream = _kwargs_stream({"playbook": "job.py", "ident": ident, "rotate_artifacts": 1}, _zip([("project/job.py", SCRIPT, _FILE)]))
    done = _worker(stream, sandbox)
    _assert_error(done, "is not a valid artifact directory name")
    assert not (sandbox.parent / "escaped").exists()


def test_a_missing_process_isolation_executable_is_an_error_status(sandbox):
    """Upstream's ``init_runner`` prints "Unable to find process isolation executable" on stdout and
    calls ``sys.exit(1)``: a plain text line as the whole result stream, no status, no eof (AWX
    sends ``process_isolation`` kwargs for jobs on execution nodes)."""
    kwargs = {"playbook": "job.py", "ident": "iso", "process_isolation": True, "process_isolation_executable": "/nonexistent/podman"}
    done = _worker(_kwargs_stream(kwargs, _zip([("project/job.py", SCRIPT, _FILE)])), sandbox)
    _assert_error(done, "Unable to find process isolation executable: /nonexistent/podman")


@pytest.mark.parametrize(
    "link", ["env/envvars", "env/cmdline", "env", "artifacts", "artifacts/reuse", "artifacts/reuse/command", "artifacts/reuse/job_events"]
)
def test_an_existing_data_dir_with_symlinks_where_the_job_writes_is_refused(sandbox, link):
    """AWX's `local` worktype sends kwargs only and runs in the directory that is already there."""
    canary = sandbox.parent / "canary.txt"
    (sandbox / "project").mkdir(parents=True)
    (sandbox / "project" / "job.py").write_text(SCRIPT)
    path = sandbox / link
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(canary, path)
    done = _worker(_kwargs_stream({"playbook": "job.py", "ident": "reuse", "envvars": {"SECRET": "s3cret"}}), sandbox)
    _assert_error(done, "symlink")
    assert b"s3cret" not in done.stdout.split(b"\n")[-3]  # the starting status never went out
    assert not any(b'"starting"' in line for line in done.stdout.split(b"\n"))


@pytest.mark.parametrize("link", ["artifacts/.ftl2-runner-gates", "artifacts/.ftl2-runner-gates/uv"])
def test_a_reused_data_dir_whose_gate_cache_is_a_symlink_is_refused(sandbox, link, tmp_path_factory):
    """The executor copies prebuilt gates into ``artifacts/.ftl2-runner-gates`` and FTL2 builds gates (and uv
    its cache) there: a symlink there, left in a data dir reused without --delete (AWX's ``local``
    worktype), took those writes outside the data dir."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    outside, gates = elsewhere / "outside", elsewhere / "prebuilt"
    outside.mkdir()
    gates.mkdir()
    (gates / "ftl_gate_prebuilt.pyz").write_text("a prebuilt gate")
    (sandbox / "project").mkdir(parents=True)
    (sandbox / "project" / "job.py").write_text(SCRIPT)
    (sandbox / link).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, sandbox / link)
    done = _worker(_kwargs_stream({"playbook": "job.py", "ident": "reuse"}), sandbox, env=worker_env(FTL2_RUNNER_GATE_DIR=str(gates)))
    _assert_error(done, "symlink")
    assert list(outside.iterdir()) == []


def test_a_fact_cache_outside_the_artifact_dir_is_refused(sandbox):
    entries = [("project/job.py", SCRIPT, _FILE), ("env/settings", json.dumps({"fact_cache": "../../../escaped"}), _FILE)]
    stream = _kwargs_stream({"playbook": "job.py", "ident": "fc", "fact_cache_type": "jsonfile"}, _zip(entries))
    done = _worker(stream, sandbox)
    _assert_error(done, "fact cache")
    assert not (sandbox.parent / "escaped").exists()


@pytest.mark.parametrize(
    ("stdin", "fragment"),
    [
        pytest.param(b'{"kwargs": [1, 2]}\n' + EOF_LINE, "must hold a JSON object, not an array", id="kwargs-list"),
        pytest.param(b'{"kwargs": null}\n' + EOF_LINE, "must hold a JSON object, not null", id="kwargs-null"),
        pytest.param(b'{"kwargs": {"playbook": "\xff\xfe.py"}}\n' + EOF_LINE, "is not UTF-8", id="kwargs-not-utf8"),
    ],
)
def test_kwargs_records_that_are_not_objects_are_explained(sandbox, stdin, fragment):
    _assert_error(_worker(stdin, sandbox), fragment)


def _worker_argv(argv, stdin, env=None):
    return subprocess.run([FTL2_RUNNER, "worker", *argv], input=stdin, capture_output=True, timeout=120, env=env or worker_env())


def test_a_data_dir_that_is_a_file(sandbox):
    sandbox.write_text("not a dir")
    done = _worker_argv([f"--private-data-dir={sandbox}"], _stream(_zip([("project/job.py", SCRIPT, _FILE)])))
    _assert_error(done, "is not a directory")
    assert sandbox.read_text() == "not a dir"
    sandbox.unlink()


def test_a_data_dir_that_cannot_be_created(sandbox):
    done = _worker_argv(["--private-data-dir=/proc/version/pdd"], _stream(_zip([("project/job.py", SCRIPT, _FILE)])))
    _assert_error(done, "Cannot create the private data directory")


def test_a_bad_keepalive_setting_is_an_error_status(sandbox):
    done = _worker_argv(
        [f"--private-data-dir={sandbox}"],
        _stream(_zip([("project/job.py", SCRIPT, _FILE)])),
        env=worker_env(ANSIBLE_RUNNER_KEEPALIVE_SECONDS="abc"),
    )
    _assert_error(done, "ANSIBLE_RUNNER_KEEPALIVE_SECONDS='abc' is not a number")


def test_a_symlinked_data_dir_with_delete_is_refused_and_left_alone(sandbox):
    real = sandbox.parent / "real-dir"
    real.mkdir()
    (real / "keep.txt").write_text("keep")
    os.symlink(real, sandbox)
    done = _worker_argv([f"--private-data-dir={sandbox}", "--delete"], _stream(_zip([("project/job.py", SCRIPT, _FILE)])))
    _assert_error(done, "is a symlink")
    assert sorted(p.name for p in real.iterdir()) == ["keep.txt"]  # nothing extracted, nothing deleted
    sandbox.unlink()
    (real / "keep.txt").unlink()
    real.rmdir()


def test_a_failure_after_the_final_status_adds_no_second_status(tmp_path):
    """A socket in the artifact dir makes the artifacts zip fail after `successful` was sent."""
    script = """
    import os, socket
    async def run(inventory_path, extravars, runner):
        server = socket.socket(socket.AF_UNIX)
        server.bind(os.path.join(os.environ["AWX_ISOLATED_DATA_DIR"], "a.sock"))
        return 0
    """
    pdd = make_data_dir(tmp_path, script)
    done = _worker_argv([f"--private-data-dir={tmp_path / 'w'}"], transmit(pdd, "-p", "job.py", "-i", "sock"))
    assert done.stderr == b""
    lines = parse_stream(done.stdout)
    assert [line["status"] for line in lines if "status" in line] == ["starting", "running", "successful"]
    assert lines[-1] == {"eof": True}


# --- found in review: paths resolved as upstream resolves them, dump_artifacts' own files, hard links --


def test_a_relative_artifact_dir_is_resolved_as_upstream_does_and_refused(sandbox):
    """Upstream takes abspath(artifact_dir): relative to the worker's cwd, not to the data dir."""
    cwd = sandbox.parent / "cwd"
    (cwd / "victim").mkdir(parents=True)
    stream = _kwargs_stream({"playbook": "job.py", "ident": "r", "artifact_dir": "loot"}, _zip([("project/job.py", SCRIPT, _FILE)]))
    done = subprocess.run(
        [FTL2_RUNNER, "worker", f"--private-data-dir={sandbox}"], input=stream, cwd=cwd, capture_output=True, timeout=120, env=worker_env()
    )
    _assert_error(done, "is outside the private data directory")
    assert sorted(p.name for p in cwd.iterdir()) == ["victim"]
    shutil_rmtree(cwd)


def test_rotate_artifacts_with_an_artifact_dir_of_its_own_is_refused(sandbox):
    stream = _kwargs_stream(
        {"playbook": "job.py", "ident": "r", "artifact_dir": str(sandbox), "rotate_artifacts": 1},
        _zip([("project/job.py", SCRIPT, _FILE), ("project/keep/x", "keep", _FILE)]),
    )
    done = _worker(stream, sandbox)
    _assert_error(done, "rotate_artifacts")


@pytest.mark.parametrize(
    ("link", "kwargs"),
    [
        ("project/main.json", {"playbook": [{"hosts": "localhost", "tasks": []}]}),
        ("inventory/hosts", {"playbook": "job.py", "inventory": "localhost ansible_connection=local"}),
    ],
    ids=["playbook-as-data", "inventory-as-text"],
)
def test_symlinks_at_the_files_dump_artifacts_writes_are_refused(sandbox, link, kwargs):
    canary = sandbox.parent / "canary.txt"
    entries = [("project/job.py", SCRIPT, _FILE), (link, str(canary), _LINK)]
    done = _worker(_kwargs_stream({"ident": "d", **kwargs}, _zip(entries)), sandbox)
    _assert_error(done, "is a symlink where the worker writes")


def test_a_hard_link_in_a_reused_data_dir_is_never_written_through(sandbox):
    canary = sandbox.parent / "canary.txt"
    (sandbox / "project").mkdir(parents=True)
    os.link(canary, sandbox / "project" / "data.txt")
    done = _worker(_stream(_zip([("project/job.py", SCRIPT, _FILE), ("project/data.txt", "OVERWRITTEN", 0o104777)])), sandbox)
    _assert_error(done, "hard links")
    (sandbox / "project" / "data.txt").unlink()


@pytest.mark.parametrize("name", ["stdout", "loot"])
def test_a_hard_link_in_the_artifact_dir_is_refused(sandbox, name):
    """Runner writes `stdout` there, and the artifacts zip would read an outside file back to the controller."""
    canary = sandbox.parent / "canary.txt"
    (sandbox / "project").mkdir(parents=True)
    (sandbox / "project" / "job.py").write_text(SCRIPT)
    (sandbox / "artifacts" / "h").mkdir(parents=True)
    os.link(canary, sandbox / "artifacts" / "h" / name)
    done = _worker(_kwargs_stream({"playbook": "job.py", "ident": "h"}), sandbox)
    _assert_error(done, "hard links")
    assert b"untouched" not in done.stdout
    (sandbox / "artifacts" / "h" / name).unlink()


def test_a_project_with_a_dangling_symlink_runs_twice_in_a_reused_dir(tmp_path):
    pdd = make_data_dir(tmp_path, SCRIPT)
    os.symlink("missing", pdd / "project" / "dangling")
    stream = transmit(pdd, "-p", "job.py")
    for attempt in range(2):
        done = subprocess.run(
            [FTL2_RUNNER, "worker", f"--private-data-dir={tmp_path / 'w'}"],
            input=stream,
            capture_output=True,
            timeout=120,
            env=worker_env(),
        )
        statuses = [r["status"] for r in parse_stream(done.stdout) if "status" in r]
        assert statuses[-1] == "successful", (attempt, done.stdout[-1500:])
    assert os.readlink(tmp_path / "w" / "project" / "dangling") == "missing"


def shutil_rmtree(path):
    import shutil

    shutil.rmtree(path)
