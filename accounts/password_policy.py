"""What a new password must not be (NIST SP 800-63B 5.1.1.2): the username or a variation of
it, a short run of one character class, or a commonly used password. Applied wherever a
password is set (user creation by the API and the CLI, an admin's password change); login
never applies it, so an older password keeps working until it is changed."""

from functools import lru_cache
from pathlib import Path

from accounts.usernames import normalize_username
from kernel.errors import DomainError
from mobile_contract.errors import ErrorCode

COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")
SIMPLE_MAX_LENGTH = 10  # one character class up to this length is refused

CONTAINS_USERNAME = "contains_username"
TOO_SIMPLE = "too_simple"
COMMON = "common"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text("utf-8").splitlines()
    return frozenset(
        normalize_username(line) for line in lines if line.strip() and not line.startswith("#")
    )


def _character_class(char: str) -> str:
    if char.isdigit():
        return "digit"
    if char.islower():
        return "lower"
    if char.isupper():
        return "upper"
    if char.isalpha():
        return "letter"  # scripts without case (Chinese, …)
    return "symbol"  # punctuation and spaces


def check_password(password: str, *, username: str) -> None:
    """Raise 422 ``validation_failed`` naming the field and the reason when ``password`` may
    not be set for ``username``; comparisons are NFKC and case-insensitive."""
    folded = normalize_username(password)
    if normalize_username(username) in folded:
        _refuse(CONTAINS_USERNAME, "The password must not contain the username.")
    if folded in common_passwords():
        _refuse(COMMON, "This password is one of the most commonly used; choose another.")
    if len(password) <= SIMPLE_MAX_LENGTH and len({_character_class(c) for c in password}) <= 1:
        _refuse(
            TOO_SIMPLE,
            f"A password of {SIMPLE_MAX_LENGTH} characters or fewer must mix character kinds "
            "(letters, digits, symbols); or make it longer.",
        )


def _refuse(reason: str, message: str) -> None:
    raise DomainError(
        ErrorCode.VALIDATION_FAILED,
        message,
        {
            "field": "password",
            "reason": reason,
            "errors": [{"field": "password", "source": "body", "message": message}],
        },
    )
