"""A snippet run by a new Python: what a process imports shows only in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def printed_by(code: str) -> str:
    """What `code` prints, run in the project's folder; an error in it fails the test."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
