"""Command groups of the ``slakeeper`` CLI, one module each (registered in ``cli.py``)."""
