"""The internationalisation indicator warehouse."""

__version__ = "0.1.0"
