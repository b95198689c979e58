"""Errors raised by the readers."""


class ReaderError(Exception):
    """A file that cannot be read as its source; the message is the rejection reason (never personal data)."""
