"""HTML reports of simulation results, with matplotlib plots (the ``report`` extra).

Nothing is imported here: matplotlib loads only when a report is built.
"""
