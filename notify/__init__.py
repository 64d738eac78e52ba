"""The customer's milestone notifications (created, assigned, resolved, verified, closed) by
SMS, WeChat, WeCom or DingTalk: per-tenant templates, an outbox beside the change, retries,
dead letters and the on-call alert, each milestone once per work order.

- ``milestones``: the reaction to ``WorkOrderWritten``: each milestone once per work order,
  one outbox message per recipient and channel (which repeats are not sent, and why).
- ``relay``: claims, links, renders, sends and records; push's retry policy, circuit
  breaker and on-call alerts. ``compose`` renders a message when it is sent; ``links`` issues
  each recipient's portal link (its token kept sealed, ``secrets``).
- ``providers`` (the log, the SMS gateway) and ``chat`` (WeChat, WeCom, DingTalk): the wire
  formats, their answers classified.
- ``texts``: the built-in texts, a tenant's own checked, placeholders filled in.
- ``channels``, ``templates``, ``history``: what admins configure and what staff see.
"""
