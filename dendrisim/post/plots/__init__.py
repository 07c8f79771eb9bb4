"""Matplotlib figures (the only layer, with viz, that imports matplotlib)."""
