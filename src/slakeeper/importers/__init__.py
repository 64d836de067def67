"""Importers: one module per source format, each turning a file into events for
:func:`slakeeper.services.imports.import_items`.

- :mod:`~slakeeper.importers.jsonl`: events as DESIGN.md section 5 writes them;
- :mod:`~slakeeper.importers.tickets_csv`: one row per ticket, through a mapping;
- :mod:`~slakeeper.importers.eventlog`: one row per activity, through a mapping;
- :mod:`~slakeeper.importers.mapping`: mapping files (YAML), validated like a configuration;
- :mod:`~slakeeper.importers.timestamps`: source timestamps, naive ones only in a given zone.
"""
