"""Status queries by work-order number from chat channels: a customer sends ``WO-2026-000123``
to the tenant's WeChat official account (or another chat platform's bot) and is answered a
progress card with a fresh portal link, when the number is one of their own repairs; every
other number, and anything that is no number, gets one and the same answer."""
