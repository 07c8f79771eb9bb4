"""Quantities computed after every accepted step (one MPI-safe reduction each)."""
