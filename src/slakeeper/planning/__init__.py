"""Staffing: exact Erlang C, arrival forecasts, plans checked by simulation, shifts.

Framework-free: numpy and the core (orjson to read logs); OR-Tools and matplotlib are
imported only inside the functions that use them. See docs/planning.md.
"""
