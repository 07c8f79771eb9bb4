"""Command line: ``dendrisim <command>`` (parses, calls :mod:`dendrisim.api`, prints)."""

from dendrisim.cli.app import main

__all__ = ["main"]
