"""`python -m firmware.gateway`: the line gateway's hardware host, started by the brain."""
from __future__ import annotations

import sys

from firmware.gateway.host import main

if __name__ == "__main__":
    sys.exit(main())
