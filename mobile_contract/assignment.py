"""Auto-assignment: a team's choice to have new work orders assigned to an engineer on shift,
the shifts, and the engineers' skills. Configuration: inputs refuse unknown fields."""

from datetime import datetime
from uuid import UUID

import msgspec

from mobile_contract.types import Tags


class AutoAssignmentIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``enabled``: a new work order the team owns goes to one of its engineers on shift, the
    one with the fewest open work orders; with ``use_skills``, among those whose skills
    cover most of the work order's tags first."""

    enabled: bool
    use_skills: bool = True


class AutoAssignment(AutoAssignmentIn, kw_only=True):
    team_id: UUID
    updated_at: datetime | None = None


class ShiftIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An engineer on duty from ``starts_at`` until ``ends_at`` (at most 7 days)."""

    user_id: UUID
    starts_at: datetime
    ends_at: datetime


class Shift(ShiftIn, kw_only=True):
    id: UUID
    created_at: datetime


class ShiftList(msgspec.Struct, kw_only=True):
    items: list[Shift]


class SkillsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What an engineer is good at, as the tags work orders carry (``compressor``, ``plc``)."""

    skills: Tags


class Skills(SkillsIn, kw_only=True):
    user_id: UUID
    updated_at: datetime | None = None
