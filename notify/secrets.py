"""What notify keeps secret at rest: the portal tokens it puts into messages, the channels'
credentials and the group robots' webhook addresses (they hold the robot's key).

Sent on, so they cannot be hashed: sealed (``kernel.sealing``) under a key of notify's own
label, with the owning row's id and the field's name as associated data: a sealed value
copied onto another row or into another column does not open. A leaked database reveals no
portal token and no credential; rotating the server key makes them unreadable (channels must
be saved again, links are issued anew).
"""

from uuid import UUID

from kernel import sealing

_LABEL = b"fieldops notify secrets v1"


class Sealer:
    def __init__(self, server_key: str) -> None:
        self._box = sealing.Sealer(server_key, _LABEL)

    def seal(self, owner: UUID, field: str, secret: str) -> str:
        """``secret`` sealed for ``owner``'s ``field`` ("" stays "": nothing to keep)."""
        return self._box.seal(_associated(owner, field), secret) if secret else ""

    def open(self, owner: UUID, field: str, sealed: str) -> str:
        """The secret ("" for ""); ``cryptography.exceptions.InvalidTag`` when the server key
        changed or the value was moved or tampered with, ``ValueError`` when it is none."""
        return self._box.open(_associated(owner, field), sealed) if sealed else ""


def _associated(owner: UUID, field: str) -> bytes:
    return owner.bytes + field.encode()
