"""A loopback HTTP server for cases that need one (``http_server: true`` in case.yml).

Both sides of a case talk to the same server, whose URL they read from ``COMPAT_HTTP_URL``;
it serves the case's ``www/`` folder on 127.0.0.1 with fixed ``Date``/``Server`` headers, so
that what ``uri`` and ``get_url`` report is the same on every run.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

FIXED_DATE = "Tue, 01 Dec 2026 00:00:00 GMT"


class _Handler(http.server.SimpleHTTPRequestHandler):
    server_version = "compat-http"
    sys_version = ""

    def date_time_string(self, timestamp: float | None = None) -> str:
        return FIXED_DATE

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - upstream's name
        pass


@contextlib.contextmanager
def serving(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (a free port) while the block runs; yields the base URL."""
    handler = functools.partial(_Handler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
