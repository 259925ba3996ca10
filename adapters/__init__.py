"""Adapters: the outside world behind core's ports (imports ``core`` only; wired by ``hotline``)."""
