"""Program players: a seat played over HTTP by a strategy of the library (``detente play``),
and a demonstration session with bot seats and one seat for a person (``detente demo-session``).
"""
