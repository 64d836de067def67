"""Staffing: exact Erlang C, arrival forecasts, plans checked by simulation, shifts.

Framework-free (numpy; OR-Tools only inside :mod:`slakeeper.planning.shifts`); see
docs/planning.md.
"""
