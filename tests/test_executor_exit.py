"""The executor leaves without interpreter teardown: what a normal exit would still do must happen.

Through the real worker: a file the script never closed is written out, atexit handlers
run, and the script's exit code is the job's rc.
"""

from __future__ import annotations

from streams import make_data_dir, pipeline


def test_unclosed_file_and_atexit_survive_the_fast_exit(tmp_path):
    out = tmp_path / "left-open.txt"
    marker = tmp_path / "atexit.txt"
    script = f"""
    import atexit
    LEFT_OPEN = open({str(out)!r}, "w")
    async def run(inventory_path, extravars, runner):
        LEFT_OPEN.write("buffered, never closed\\n")
        atexit.register(lambda: open({str(marker)!r}, "w").write("ran"))
        return 3
    """
    pdd = make_data_dir(tmp_path, script)
    run, processed = pipeline(pdd, tmp_path, "-p", "job.py")
    assert processed.status == "failed"
    assert (processed.artifact_dir / "rc").read_text() == "3"
    assert out.read_text() == "buffered, never closed\n"
    assert marker.read_text() == "ran"
