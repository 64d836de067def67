"""Intake triage: learn severity, product or team from a ticket's text (docs/triage.md).

scikit-learn is imported by :mod:`slakeeper.triage.model` only, never by this package's
top, so that importing the CLI stays fast.
"""
