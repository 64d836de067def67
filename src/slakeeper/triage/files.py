"""Model files: one JSON header line, then the pickled model.

The header is read first, so a model written by another slakeeper or scikit-learn version
is refused with a clear message before anything is unpickled. Only load model files you
trust: unpickling runs code.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

from slakeeper import __version__
from slakeeper.core.errors import InputError

__all__ = ["MAGIC", "read_header", "read_model", "write_model"]

MAGIC = "slakeeper-triage-model"


def _versions() -> dict[str, str]:
    import sklearn

    return {"slakeeper": __version__, "sklearn": sklearn.__version__}


def write_model(path: Path, header: dict[str, Any], payload: Any) -> None:
    """Write ``payload`` under ``header`` (versions added); all or nothing."""
    full = {"format": MAGIC, **_versions(), **header}
    temporary = path.with_name(path.name + ".part")
    with temporary.open("wb") as out:
        out.write(json.dumps(full, sort_keys=True).encode() + b"\n")
        pickle.dump(payload, out, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(path)


def read_header(path: Path) -> dict[str, Any]:
    """The header of a model file (no unpickling)."""
    try:
        with path.open("rb") as stream:
            first = stream.readline(1_000_000)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the model file ({exc.strerror})") from None
    try:
        header = json.loads(first)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != MAGIC:
        raise InputError(f"{path}: not a slakeeper triage model file")
    return header


def read_model(path: Path) -> tuple[dict[str, Any], Any]:
    """Header and model; a model of another slakeeper or scikit-learn version is refused."""
    header = read_header(path)
    for name, running in _versions().items():
        if header.get(name) != running:
            raise InputError(
                f"{path}: model written by {name} {header.get(name)}, this is {name} {running}:"
                " retrain it with `slakeeper triage train`"
            )
    with path.open("rb") as stream:
        stream.readline(1_000_000)
        return header, pickle.load(stream)
