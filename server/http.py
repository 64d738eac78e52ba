"""Explicit parameter markers for controllers (Litestar 3 drops inferred dependencies)."""

from typing import TypeAlias

from litestar.di import NamedDependency

from accounts.tokens import TokenConfig
from kernel.context import Actor
from kernel.db import Database

DB: TypeAlias = NamedDependency[Database]
CurrentActor: TypeAlias = NamedDependency[Actor]
Tokens: TypeAlias = NamedDependency[TokenConfig]
