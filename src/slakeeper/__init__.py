"""slakeeper: a self-hosted SLA engine and service-level console for B2B customer support."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

__version__ = "0.1.0"


def _check_compiled_core() -> None:
    """Refuse a compiled core (scripts/compile_core.py) whose sources changed since.

    Python imports a C extension in preference to the .py beside it, so a stale one would
    silently run old code.
    """
    package = Path(__file__).parent
    manifest = package / "core" / "_compiled.json"
    if not manifest.is_file() or not any(package.glob("*/*.so")):
        return
    sources = json.loads(manifest.read_text()).get("sources") or {}
    for name, digest in sources.items():
        if hashlib.sha256((package / name).read_bytes()).hexdigest() != digest:
            module = "slakeeper." + name.removesuffix(".py").replace("/", ".")
            raise ImportError(
                f"{module} changed since it was compiled: run `make install` to compile "
                "it again (or `make pure` to use the pure-Python modules)"
            )


_check_compiled_core()
