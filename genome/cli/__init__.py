"""The `genome` command line, one module per group of commands; `genome.cli.main` holds the root."""

from genome.cli.main import app, main

__all__ = ["app", "main"]
