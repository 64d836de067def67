"""Compile the hot modules of the pure core with mypyc, in place (make install runs this).

The core stays plain, type-checked Python; mypyc turns the modules that replay spends its
time in into C extensions (about twice as fast), which Python imports in preference to
the .py files beside them. Without a C compiler, or with SLAKEEPER_PURE=1, the compiled
files are removed and the pure modules are used: same results, slower.

A manifest records the hash of every compiled source; `slakeeper` refuses to import a
compiled core whose sources changed since (run `make install` again).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "slakeeper"
MANIFEST = PACKAGE / "core" / "_compiled.json"
# The modules replay spends its time in, and the facts and marks of every stored ticket
# (an import evaluates millions); paths under src/slakeeper.
MODULES = [
    "core/calendars.py",
    "core/clocks.py",
    "core/configuration.py",
    "core/evaluation.py",
    "core/events.py",
    "core/instants.py",
    "core/policies.py",
    "core/tickets.py",
    "core/timelines.py",
    "services/evaluations.py",
    "services/replay.py",
    "services/business_time.py",
    "analytics/codes.py",
    "analytics/facts.py",
    "services/marks.py",
]


def source_hashes() -> dict[str, str]:
    """The sha256 of each module that is compiled."""
    return {name: hashlib.sha256((PACKAGE / name).read_bytes()).hexdigest() for name in MODULES}


def remove_compiled() -> None:
    """Delete compiled modules, the shared library and the build folder."""
    for path in [*PACKAGE.glob("**/*.so"), *SRC.glob("*__mypyc*.so")]:
        path.unlink()
    shutil.rmtree(SRC / "build", ignore_errors=True)


def main() -> int:
    remove_compiled()
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if os.environ.get("SLAKEEPER_PURE") == "1" or compiler is None:
        why = "SLAKEEPER_PURE=1" if compiler else "no C compiler found"
        print(f"compile_core: {why}: using the pure-Python core (same results, slower)")
        MANIFEST.write_text(json.dumps({"compiled": False}) + "\n")
        return 0
    mypyc = Path(sys.executable).with_name("mypyc")
    files = [f"slakeeper/{name}" for name in MODULES]
    print(f"compile_core: compiling {len(files)} modules with mypyc (about 30 s)")
    run = subprocess.run([str(mypyc), *files], cwd=SRC, capture_output=True, text=True)
    shutil.rmtree(SRC / "build", ignore_errors=True)
    if run.returncode != 0:
        remove_compiled()
        print(run.stdout[-2000:], run.stderr[-2000:], sep="\n", file=sys.stderr)
        print("compile_core: mypyc failed: using the pure-Python core", file=sys.stderr)
        MANIFEST.write_text(json.dumps({"compiled": False}) + "\n")
        return 0
    MANIFEST.write_text(json.dumps({"compiled": True, "sources": source_hashes()}, indent=1))
    print("compile_core: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
