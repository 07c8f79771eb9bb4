"""Data shipped with dendrisim: built-in case files and example sweeps."""
