"""What upstream's own code costs, measured alone: the floors under two of issue 19's targets.

* The pipeline: ``transmit | worker | process`` of a script that imports and runs nothing,
  with the warm executor off (so nothing imports FTL2): what a round trip costs before any
  job runs. The J2 target compares the round trip with a bare FTL2 program; when this alone
  is above the target's share of it, no executor change can meet the target.
* A long line in upstream's ``OutputEventFilter``: the line fed in pexpect's 2,000-character
  reads between our begin and end markers, nothing downstream keeping or copying the event,
  its peak allocation traced by ``tracemalloc``: the filter holds the line in its
  ``StringIO``, copies it with ``getvalue()`` and slices the event's text out of that copy.
"""

from __future__ import annotations

import tracemalloc

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

    from ftl2_runner.executor.protocol import END_MARKER, encode_marker

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
