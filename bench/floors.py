"""What upstream's own code costs, measured alone: the floors under two of issue 19's targets.

* The pipeline: ``transmit | worker | process`` of a script that imports and runs nothing,
  with the warm executor off (so nothing imports FTL2): what a round trip costs before any
  job runs. The J2 target compares the round trip with a bare FTL2 program; when this alone
  is above the target's share of it, no executor change can meet the target.
* A long line in upstream's ``OutputEventFilter``: the line fed in pexpect's 2,000-character
  reads between our begin and end markers, nothing downstream keeping or copying the event,
  its peak allocation traced by ``tracemalloc``: the filter holds the line in its
  ``StringIO``, copies it with ``getvalue()`` and slices the event's text out of that copy.
* Events through upstream's worker path alone (a ceiling, not a floor: an upper bound on
  events per second): ``verbose`` events framed as ansible-runner's ``awx_display`` frames
  them (a ``{"uuid"}`` marker, the text, an end marker, the event in its partial file, the
  files already written to the work directory's disk), fed in pexpect's 2,000-character
  reads to upstream's ``OutputEventFilter``, whose callback is upstream's
  ``Runner.event_callback`` (reads and removes each partial file), whose handler is
  upstream's ``Worker.event_handler`` (one JSON line, to /dev/null). No pty, no executor,
  no FTL2: what a worker that keeps upstream's Runner and Worker can do at best, per CPU.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from types import SimpleNamespace

NOTHING_SCRIPT = """
async def run(inventory_path, extravars, runner):
    return 0
"""
PIPELINE_ONLY_ENV = {"FTL2_RUNNER_WARM_EXECUTOR": "0"}


class _Discard:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def filter_peak_per_byte(megabytes: int) -> float:
    """Peak bytes allocated by upstream's event filter per byte of one ``megabytes`` MiB line."""
    from ansible_runner.utils import OutputEventFilter

    from ftl2_runner.executor.display.protocol import END_MARKER, encode_marker

    size = megabytes * 2**20
    line = "x" * size
    event_filter = OutputEventFilter(_Discard(), lambda event: None, suppress_ansible_output=True)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        event_filter.write(encode_marker({"uuid": "long-line"}))
        for start in range(0, size, 2000):
            event_filter.write(line[start : start + 2000])
        event_filter.write(END_MARKER)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - before) / size


def upstream_event_rate(count: int, directory: Path) -> float:
    """Events per second (wall) of upstream's filter, ``Runner.event_callback`` and ``Worker.event_handler`` alone."""
    from ansible_runner.runner import Runner
    from ansible_runner.streaming import Worker
    from ansible_runner.utils import OutputEventFilter

    from ftl2_runner.executor.display.protocol import END_MARKER, encode_marker

    artifact_dir = tempfile.mkdtemp(prefix="event-ceiling-", dir=directory)
    events_dir = os.path.join(artifact_dir, "job_events")
    os.mkdir(events_dir)
    frames, playbook_uuid, task_uuid = [], str(uuid.uuid4()), str(uuid.uuid4())
    for index in range(count):  # the shape of a `runner.display` event, as the E10k job emits it
        event_uuid = str(uuid.uuid4())
        partial = {
            "event": "verbose",
            "pid": 4242,
            "uuid": event_uuid,
            "created": "2026-12-02T03:12:26.875505+00:00",
            "parent_uuid": task_uuid,
            "verbosity": 1,
            "event_data": {"playbook": "site.yml", "playbook_uuid": playbook_uuid, "verbose": True, "uuid": event_uuid},
        }
        with open(os.path.join(events_dir, f"{event_uuid}-partial.json"), "w", encoding="utf-8") as handle:
            json.dump(partial, handle)
        frames.append(encode_marker({"uuid": event_uuid}) + f"\x1b[0;34mevent {index}\x1b[0m\r\n" + END_MARKER)
    text = "".join(frames)
    with open(os.devnull, "wb") as output, open(os.devnull, "w", encoding="utf-8") as stdout_artifact:
        worker = Worker(_input=io.BytesIO(), _output=output, private_data_dir=artifact_dir, keepalive_seconds=0)
        config = SimpleNamespace(artifact_dir=artifact_dir, ident="ceiling", check_job_event_data=False)
        runner = Runner(config, event_handler=worker.event_handler)
        event_filter = OutputEventFilter(stdout_artifact, runner.event_callback, suppress_ansible_output=True)
        start = time.perf_counter()
        for offset in range(0, len(text), 2000):
            event_filter.write(text[offset : offset + 2000])
        event_filter.close()
        elapsed = time.perf_counter() - start
    left = os.listdir(events_dir)
    if left:
        raise RuntimeError(f"upstream's Runner left {len(left)} partial files: the ceiling did not measure its path")
    os.rmdir(events_dir)
    os.rmdir(artifact_dir)
    return count / elapsed
