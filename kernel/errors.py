"""Domain errors. Services raise these; ``server.errors`` is the one place mapping them to HTTP."""

from typing import Any

from mobile_contract.errors import ErrorCode


class DomainError(Exception):
    """A refusal the caller can act on, carrying a stable code and details; ``retry_after``
    (seconds) becomes a ``Retry-After`` header where waiting is the remedy."""

    retry_after: int | None = None

    def __init__(
        self, code: ErrorCode, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


class NotFound(DomainError):
    """Also answers for another tenant's rows, so existence never leaks across tenants."""

    def __init__(self, resource: str, identifier: object) -> None:
        super().__init__(
            ErrorCode.NOT_FOUND,
            f"{resource} {identifier} was not found.",
            {"resource": resource, "id": str(identifier)},
        )


class Forbidden(DomainError):
    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(ErrorCode.FORBIDDEN, message, details)


class AlreadyExists(DomainError):
    def __init__(self, resource: str, field: str, value: object) -> None:
        super().__init__(
            ErrorCode.ALREADY_EXISTS,
            f"A {resource} with {field} '{value}' already exists.",
            {"resource": resource, "field": field, "value": str(value)},
        )


class InvalidReference(DomainError):
    """A referenced id (site, asset, team …) does not exist in the caller's tenant."""

    def __init__(self, field: str, identifier: object) -> None:
        super().__init__(
            ErrorCode.INVALID_REFERENCE,
            f"{field} {identifier} does not name anything you can use.",
            {"field": field, "id": str(identifier)},
        )


class VersionConflict(DomainError):
    def __init__(self, resource: str, expected: int, actual: int) -> None:
        super().__init__(
            ErrorCode.VERSION_CONFLICT,
            f"The {resource} changed since you read it (version {actual}, you had {expected}); "
            "reload it and try again.",
            {"expected_version": expected, "current_version": actual},
        )


class ConfigInvalid(DomainError):
    """Configuration saved as data (rules, zones, calendars, policies) that cannot work:
    ``path`` names the offending part (``rules[2].conditions[0].pattern``); nothing is saved."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(
            ErrorCode.CONFIG_INVALID, f"{path}: {message}", {"path": path, "problem": message}
        )
