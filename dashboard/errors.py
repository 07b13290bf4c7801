"""The one exception type for errors a user can cause: it carries a message key, shown translated."""

from __future__ import annotations


class UserError(Exception):
    """An error caused by input (a file, an argument, a choice), not by a bug.

    Parameters
    ----------
    key
        Message key in the i18n catalogs (``error.*``).
    **params
        Values substituted into the translated message.
    """

    def __init__(self, key: str, **params):
        self.key = key
        self.params = params
        super().__init__(f"{key}: {params}")

    def message(self, lang: str = "zh") -> str:
        """The translated message."""
        from dashboard.i18n import t

        return t(self.key, lang, **self.params)


class DataError(UserError):
    """A dataset file does not meet its contract (missing column, wrong type, bad code)."""
