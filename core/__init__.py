"""Shared vocabulary of hotline: settings, policy profiles, domain events, the bus, storage helpers, ports.

Nothing here performs I/O on import, and nothing here imports another package of ours.
"""
