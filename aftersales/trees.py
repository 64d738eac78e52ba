"""What a tree must be to be saved, checked as a pure function: every case reaches exactly one
leaf. The contract's types refuse what they can (unknown fields, kinds, sizes); this refuses
the rest with ``ConfigInvalid`` naming where (``nodes.age.branches[1]``), and nothing is saved."""

from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aftersales import serials
from aftersales.evaluation import describe
from kernel.errors import ConfigInvalid
from mobile_contract import aftersales as contract


def check_tree(tree: contract.DecisionTreeConfig) -> None:
    """Refuse a tree some case could not get through: a dangling reference, a cycle, a node
    the root never reaches, a gap or an overlap in a numeric test, a category in two branches,
    a missing ``otherwise`` or warranty branch, a blank clause, a bad serial configuration."""
    if not 1 <= len(tree.nodes) <= contract.MAX_NODES:
        raise ConfigInvalid("nodes", f"a tree has 1 to {contract.MAX_NODES} nodes")
    if tree.root not in tree.nodes:
        raise ConfigInvalid("root", f"names no node: {tree.root!r}")
    for node_id, node in tree.nodes.items():
        _check_node(f"nodes.{node_id}", node)
        for where, target in edges(node_id, node):
            if target not in tree.nodes:
                raise ConfigInvalid(where, f"names no node: {target!r}")
    reached = _walk(tree)
    for node_id in tree.nodes:
        if node_id not in reached:
            raise ConfigInvalid(
                f"nodes.{node_id}",
                f"cannot be reached from the root ({tree.root}): no branch leads to it",
            )
    serials.check_ranges(tree.serial_ranges)
    if tree.serial_pattern is not None:
        serials.check_pattern(tree.serial_pattern)
    try:
        ZoneInfo(tree.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigInvalid(
            "timezone", f"unknown time zone {tree.timezone!r}: use an IANA name (Asia/Shanghai)"
        ) from None


def edges(node_id: str, node: contract.Node) -> Iterator[tuple[str, str]]:
    """Where ``node`` leads: (the path of the field naming the next node, that node)."""
    where = f"nodes.{node_id}"
    if isinstance(node, contract.AdviceLeaf):
        return
    if isinstance(node, contract.WarrantyNode):
        for status in ("in_warranty", "out_of_warranty", "unknown"):
            target = getattr(node, status)
            if target is not None:
                yield f"{where}.{status}", target
        return
    branches: Sequence[contract.CategoryBranch | contract.RangeBranch] = node.branches
    for index, branch in enumerate(branches):
        yield f"{where}.branches[{index}].next", branch.next
    if isinstance(node, contract.FaultCategoryNode) and node.otherwise is not None:
        yield f"{where}.otherwise", node.otherwise


def _check_node(where: str, node: contract.Node) -> None:
    if isinstance(node, contract.AdviceLeaf):
        if not node.clause.strip():
            raise ConfigInvalid(f"{where}.clause", "a leaf needs the clause that justifies it")
    elif isinstance(node, contract.FaultCategoryNode):
        _check_categories(where, node)
    elif isinstance(node, contract.WarrantyNode):
        for status in ("in_warranty", "out_of_warranty", "unknown"):
            if getattr(node, status) is None:
                raise ConfigInvalid(
                    f"{where}.{status}", f"required: where a case whose warranty is {status} goes"
                )
    else:
        _check_ranges(where, node.branches)


def _check_categories(where: str, node: contract.FaultCategoryNode) -> None:
    if not node.branches:
        raise ConfigInvalid(f"{where}.branches", "needs at least one branch")
    seen: dict[str, int] = {}
    for index, branch in enumerate(node.branches):
        if not branch.categories:
            raise ConfigInvalid(f"{where}.branches[{index}].categories", "lists no category")
        for position, category in enumerate(branch.categories):
            if category in seen:
                raise ConfigInvalid(
                    f"{where}.branches[{index}].categories[{position}]",
                    f"{category!r} is already in branches[{seen[category]}]",
                )
            seen[category] = index
    if node.otherwise is None:
        raise ConfigInvalid(f"{where}.otherwise", "required: where a category no branch lists goes")


def _check_ranges(where: str, branches: list[contract.RangeBranch]) -> None:
    """Ascending ``[min, below)`` ranges from 0, each starting where the one before ends, the
    last one open-ended: every value from 0 up has exactly one branch."""
    if not branches:
        raise ConfigInvalid(f"{where}.branches", "needs at least one branch")
    expected = 0
    last = len(branches) - 1
    for index, branch in enumerate(branches):
        here = f"{where}.branches[{index}]"
        if index == 0 and branch.min != 0:
            raise ConfigInvalid(f"{here}.min", f"must be 0: values below {branch.min} lead nowhere")
        if branch.min > expected:
            raise ConfigInvalid(
                here,
                f"gap: values from {expected} to below {branch.min} lead nowhere "
                f"(the branch before ends below {expected}, this one starts at {branch.min})",
            )
        if branch.min < expected:
            raise ConfigInvalid(
                here,
                f"overlap: {describe(branch)} starts at {branch.min}, inside the branch "
                f"before (which ends below {expected}); start it at {expected}",
            )
        if branch.below is None:
            if index != last:
                raise ConfigInvalid(
                    f"{here}.below",
                    "only the last branch may be open-ended (the branches after it are never "
                    "taken)",
                )
            return
        if branch.below <= branch.min:
            raise ConfigInvalid(f"{here}.below", f"must be above min ({branch.min})")
        expected = branch.below
    raise ConfigInvalid(
        f"{where}.branches[{last}].below",
        f"the last branch must be open-ended (leave out below): values from {expected} on "
        "lead nowhere",
    )


def _walk(tree: contract.DecisionTreeConfig) -> set[str]:
    """Every node reached from the root; a branch leading back to a node on its own path is a
    cycle (a case could loop for ever), refused naming that branch."""
    reached = {tree.root}
    on_path = [tree.root]
    pending = [edges(tree.root, tree.nodes[tree.root])]
    while pending:
        step = next(pending[-1], None)
        if step is None:
            pending.pop()
            on_path.pop()
            continue
        where, target = step
        if target in on_path:
            loop = " → ".join([*on_path[on_path.index(target) :], target])
            raise ConfigInvalid(where, f"leads back to {target!r}: a cycle ({loop})")
        if target not in reached:
            reached.add(target)
            on_path.append(target)
            pending.append(edges(target, tree.nodes[target]))
    return reached
