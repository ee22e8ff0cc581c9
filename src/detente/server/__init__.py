"""The live-session server: HTTP API, seat authentication, group-committed ledger writes,
Server-Sent Events and the dashboard, all in one process (``detente serve``).

The session logic is the ledger's fold (:mod:`detente.ledger.session`); this
package is the imperative shell around it.
"""
