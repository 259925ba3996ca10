"""Composition root of hotline: builds every part from settings, wires them, serves the web app and the CLI."""
