"""The real record as an input: dated events, and their mapping onto a scenario's moves.

:mod:`detente.record.events` reads event files (CSV or Parquet, CAMEO-coded)
and ships a curated Korean Peninsula record; :mod:`detente.record.mapping`
turns a record into the rounds of a scenario (docs/record.md).
"""
