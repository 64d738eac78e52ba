"""The texts of the milestones, per tenant and language: the built-in ones until an admin
saves the tenant's own (checked when saved, ``notify.texts.check``)."""

from uuid import uuid4

from kernel.clock import utcnow
from kernel.context import ADMIN_ONLY, Actor, require_role
from kernel.db import Database
from mobile_contract import notify as contract
from notify import sql
from notify.texts import DEFAULTS, LOCALES, MILESTONES, PLACEHOLDERS, REQUIRED, check


async def list_templates(*, db: Database, actor: Actor) -> contract.NotifyTemplateList:
    require_role(actor, ADMIN_ONLY, "see the notification texts")
    rows = await db.fetch(sql.TEXTS, sql.TextShown, tenant=actor.tenant_id)
    own = {(row.milestone, row.locale): row for row in rows}
    items = []
    for locale in LOCALES:
        for milestone in MILESTONES:
            row = own.get((milestone, locale))
            items.append(
                contract.NotifyTemplate(
                    id=row.id if row else None,
                    milestone=milestone,
                    locale=locale,
                    text=row.text if row else DEFAULTS[locale][milestone],
                    custom=row is not None,
                    updated_at=row.updated_at if row else None,
                )
            )
    return contract.NotifyTemplateList(
        items=items,
        placeholders=list(PLACEHOLDERS),
        required={milestone: list(names) for milestone, names in REQUIRED.items()},
    )


async def save_template(
    *,
    db: Database,
    actor: Actor,
    milestone: contract.Milestone,
    locale: contract.TemplateLocale,
    data: contract.NotifyTemplateUpdate,
) -> contract.NotifyTemplate:
    """The tenant's own text; "" (or only spaces) goes back to the built-in one."""
    require_role(actor, ADMIN_ONLY, "change the notification texts")
    text, now = data.text.strip(), utcnow()
    key = {"tenant": actor.tenant_id, "milestone": milestone, "locale": locale}
    if not text:
        async with db.transaction() as tx:
            await tx.execute(sql.DROP_TEXT, **key)
        default = DEFAULTS[locale][milestone]
        return contract.NotifyTemplate(
            milestone=milestone, locale=locale, text=default, custom=False
        )
    check(milestone, text)
    async with db.transaction() as tx:
        saved = await tx.fetch_one(
            sql.SAVE_TEXT, sql.Id, id=uuid4(), text=text, user=actor.user_id, now=now, **key
        )
    assert saved is not None  # an upsert answers its row
    return contract.NotifyTemplate(
        id=saved.id, milestone=milestone, locale=locale, text=text, custom=True, updated_at=now
    )
