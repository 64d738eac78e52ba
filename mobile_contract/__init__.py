"""The wire contract shared with mobile apps, IoT terminals and web clients.

Pure msgspec Structs, no I/O. Compatibility rules for mobile types: new fields always get
defaults; never ``array_like`` or ``forbid_unknown_fields`` (old apps must keep working).
``CONTRACT_VERSION`` is ``MAJOR.MINOR``: any change to a Struct bumps MINOR and adds a snapshot;
a breaking change (field removed, type changed, required field added) bumps MAJOR.
"""

CONTRACT_VERSION = "2.7"
