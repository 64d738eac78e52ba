"""Usernames compare as people read them: ``ADMIN``, ``admin`` and its full-width form are one."""

import unicodedata


def normalize_username(username: str) -> str:
    """NFKC (compatibility forms such as full-width letters fold to ASCII), then case-folded:
    the form stored in ``username_key``, unique per tenant, and matched at login. Kept free of
    imports from the rest of the app: the migration that introduced the key uses it too."""
    return unicodedata.normalize("NFKC", username).casefold()
