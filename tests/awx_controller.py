"""AWX's controller side of a job's results, run under the STOCK ansible-runner (compat reference env).

AWX reads ``receptorctl work results`` and hands the stream to
``ansible_runner.interface.run(streamer='process', quiet=True, _input=..., <handlers>)``
(awx/main/tasks/receptor.py, AWX at commit e21dd0a093). This script does
the same with stdin as the results stream and prints one JSON report on stdout, so that the mesh
tests see exactly what AWX's process step saw: the Processor's final status, every status and
event its handlers got, the artifacts it unpacked, and any exception it raised.

Usage: python awx_controller.py PRIVATE_DATA_DIR IDENT  (stdin: the worker stream)
"""

from __future__ import annotations

import json
import shutil
import sys
import traceback
from pathlib import Path


def main() -> int:
    import ansible_runner

    pdd, ident = Path(sys.argv[1]), sys.argv[2]
    # AWX removes its local artifacts before processing non-local work.
    shutil.rmtree(pdd / "artifacts", ignore_errors=True)
    pdd.mkdir(parents=True, exist_ok=True)
    report: dict = {"statuses": [], "events": [], "artifacts_handled": [], "finished": False, "job_env": None}

    def status_handler(data, runner_config):
        report["statuses"].append(dict(data))
        if data["status"] == "starting":
            # As AWX's status_handler does: a missing env raises TypeError there.
            report["job_env"] = dict(runner_config.env)
            report["job_args"] = json.dumps(runner_config.command)

    def event_handler(data):
        report["events"].append(dict(data))
        return False  # AWX saves events itself and tells runner not to write them

    def artifacts_handler(path):
        report["artifacts_handled"].append(path)

    def finished_callback(runner):
        report["finished"] = True

    try:
        result = ansible_runner.interface.run(
            streamer="process",
            quiet=True,
            _input=sys.stdin.buffer,
            private_data_dir=str(pdd),
            ident=ident,
            status_handler=status_handler,
            event_handler=event_handler,
            artifacts_handler=artifacts_handler,
            finished_callback=finished_callback,
        )
        report["status"] = result.status
        report["rc"] = result.rc
    except Exception:
        report["status"] = None
        report["exception"] = traceback.format_exc()
    artifact_dir = pdd / "artifacts" / ident
    report["artifact_files"] = (
        sorted(str(p.relative_to(artifact_dir)) for p in artifact_dir.rglob("*") if p.is_file()) if artifact_dir.is_dir() else []
    )
    for name in ("rc", "status"):
        path = artifact_dir / name
        report[f"artifact_{name}"] = path.read_text() if path.exists() else None
    json.dump(report, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
