"""Command-line interface: argument parsing only; one module per command."""
