"""Example sweeps shipped with dendrisim (``dendrisim sweep NAME``)."""
