"""File-level import errors: nothing is loaded and the message (Chinese) says why."""


class IngestError(Exception):
    """A file cannot be imported at all (missing, unreadable, missing columns, unknown table)."""
