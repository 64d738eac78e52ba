"""The composition root's one database: its tables bound and every package's reactions wired.

Packages announce what happened (``kernel.events``) and never call the packages above them;
here, and only here, the reactions are connected. Every process (``fieldops serve``,
``fieldops worker``, the admin commands, the tests, the benchmarks) gets its database here.
"""

from feed import reactions as feed_reactions
from kernel.db import Database
from knowledge import reactions as knowledge_reactions
from media import reactions as media_reactions
from notify import reactions as notify_reactions
from push import reactions as push_reactions
from reports import reactions as report_reactions
from server.tables import ALL_TABLES
from sla import reactions as sla_reactions
from sync import reactions as sync_reactions
from triage import reactions as triage_reactions


def wire(db: Database) -> Database:
    db.bind(ALL_TABLES)
    for install in (
        sync_reactions.install,
        push_reactions.install,
        media_reactions.install,
        triage_reactions.install,
        sla_reactions.install,
        feed_reactions.install,
        knowledge_reactions.install,
        report_reactions.install,
        notify_reactions.install,
    ):
        install(db.reactions)
    return db


def database(url: str, *, pool_size: int = 10) -> Database:
    return wire(Database.from_url(url, pool_size=pool_size))
