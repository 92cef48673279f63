import os
import sys

# Test helpers live next to the tests (tests/streams.py).
sys.path.insert(0, os.path.dirname(__file__))
# The compat harness is a top-level package of the repository.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("FTL2_TELEMETRY", "off")
