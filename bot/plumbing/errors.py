"""Errors a person should read: each message says what went wrong and what to do next."""


class UserError(Exception):
    """Shown to the person who caused it (ephemerally in Slack, on stderr on the command line)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(UserError):
    """The person may not do this; the message says who can."""


class NotFound(UserError):
    """The thing asked for does not exist (any more)."""
