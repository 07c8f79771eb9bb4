"""Foundations every layer may import: errors, MPI collectives, version shims, group ids, units."""
