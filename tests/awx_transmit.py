"""AWX's transmit step, run under the STOCK ansible-runner (compat reference env).

AWX's ``AWXReceptorJob`` streams a job with ``ansible_runner.interface.run(streamer='transmit',
_output=<socket>, private_data_dir=<pdd>, **kwargs)``. This script does the same with stdout as
the socket, so a test's stream is byte for byte what AWX would hand Receptor.

Usage: python awx_transmit.py PRIVATE_DATA_DIR  (stdin: the kwargs as one JSON object; stdout: the stream)
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    import ansible_runner

    kwargs = json.load(sys.stdin)
    ansible_runner.interface.run(streamer="transmit", _output=sys.stdout.buffer, private_data_dir=sys.argv[1], **kwargs)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
