"""Pure columnar computations over report tables (Polars): no database, no clock.

``facts`` derives what reports need from a ticket's log, ``tables`` builds the frames,
``figures`` computes each report (docs/reports.md).
"""
