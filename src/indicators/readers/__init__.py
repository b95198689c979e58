"""Readers: a file in, a table of strings out (polars DataFrame, all columns String)."""
