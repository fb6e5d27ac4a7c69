"""Errors that reach the user as one clear line."""


class UserError(Exception):
    """A problem the user can fix (bad file, bad URL, bad config).

    The CLI prints ``str(err)`` on one line and exits with ``exit_code``; no traceback.

    Example:
        >>> raise UserError("video file not found: a.mp4")
        Traceback (most recent call last):
        ...
        app.errors.UserError: video file not found: a.mp4
    """

    exit_code = 1

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(UserError):
    """The site config file is missing or invalid (exit code 2)."""

    exit_code = 2


class SourceError(UserError):
    """A camera source cannot be opened or read (exit code 3)."""

    exit_code = 3
