"""Every SQL statement of ``aftersales``, and the rows they answer."""

from datetime import datetime
from uuid import UUID

import msgspec

from kernel.statements import Statement
from mobile_contract import aftersales as contract

_TREE = "SELECT version, tree, saved_at, saved_by AS saved_by_id FROM aftersales_tree"
CURRENT_TREE = Statement(_TREE + " WHERE tenant = :tenant ORDER BY version DESC LIMIT 1")
TREE_AT = Statement(_TREE + " WHERE tenant = :tenant AND version = :version")
INSERT_TREE = Statement(
    "INSERT INTO aftersales_tree (id, tenant, version, tree, saved_at, saved_by)"
    " VALUES (:id, :tenant, :version, :tree, :now, :user)"
)
# The asset's repairs since :since: repair work orders a person finished (resolved, verified
# or closed); a cancelled one repaired nothing, an open one is the case being judged.
REPAIRS = Statement(
    "SELECT COUNT(*) AS count FROM workorders_work_order WHERE tenant = :tenant"
    " AND asset = :asset AND type IN :types AND status IN :statuses AND created_at >= :since"
)


class StoredTree(msgspec.Struct, kw_only=True):
    version: int
    tree: contract.DecisionTreeConfig
    saved_at: datetime
    saved_by_id: UUID | None = None


class Count(msgspec.Struct):
    count: int
