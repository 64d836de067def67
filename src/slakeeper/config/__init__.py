"""Loading configuration files (YAML or JSON) into core objects, with errors that name lines."""

from slakeeper.config.documents import Document, parse_document, read_document
from slakeeper.config.loading import load_calendar, load_config, load_config_document

__all__ = [
    "Document",
    "load_calendar",
    "load_config",
    "load_config_document",
    "parse_document",
    "read_document",
]
