"""The priority rules as pure functions: checked when saved, compiled once per rule-set
version, evaluated against a work order's facts without I/O (the history figures are looked up
before, by ``triage.services``)."""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from kernel import patterns
from mobile_contract import triage as contract
from mobile_contract.enums import CustomerTier, Priority, WorkOrderType
from mobile_contract.iot import AlarmSeverity, AlarmType

URGENCY = (Priority.P0, Priority.P1, Priority.P2, Priority.P3)  # most urgent first
_SEVERITY = (
    AlarmSeverity.CRITICAL,
    AlarmSeverity.MAJOR,
    AlarmSeverity.MINOR,
    AlarmSeverity.WARNING,
)


class RuleProblem(ValueError):
    """A rule that cannot be saved: ``path`` says where (``rules[2].conditions[0].pattern``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules may read of a work order (and of its asset and customer)."""

    title: str
    description: str = ""
    type: WorkOrderType = WorkOrderType.COLD_STORAGE_REPAIR
    site_id: UUID | None = None
    device_code: str = ""
    asset_family: str = ""
    customer_tier: CustomerTier | None = None
    alarm_type: AlarmType | None = None
    alarm_severity: AlarmSeverity | None = None


@dataclass(frozen=True, slots=True)
class HistoryFigure:
    """Resolution times of similar work orders in a window: the 80th percentile, in hours."""

    p80_hours: float
    samples: int


def normalise(text: str) -> str:
    """Width, case and runs of white space do not matter to a keyword (full-width PLC is plc)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True, slots=True)
class Keyword:
    """A keyword as matched: normalised, and whether a Latin letter or digit at either end
    must stand alone there (PLC is not in PLCC, 500错误 not in 1500错误). Han characters match
    anywhere: Chinese has no spaces between words."""

    word: str
    written: str
    latin_start: bool
    latin_end: bool

    @classmethod
    def of(cls, written: str) -> "Keyword":
        word = normalise(written)
        return cls(word, written, _is_latin(word[:1]), _is_latin(word[-1:]))

    def found_in(self, text: str) -> bool:
        """A plain substring search (fast in C) with the edges checked where it hits."""
        start = text.find(self.word)
        while start >= 0:
            end = start + len(self.word)
            if not (self.latin_start and start > 0 and _is_latin(text[start - 1])) and not (
                self.latin_end and end < len(text) and _is_latin(text[end])
            ):
                return True
            start = text.find(self.word, start + 1)
        return False


def _is_latin(character: str) -> bool:
    return character.isascii() and character.isalnum()


def check_rule(rule: contract.PriorityRuleIn, path: str) -> None:
    """What the contract's types cannot say: blank keywords, patterns that do not compile
    or could backtrack for ever, keywords repeated, an action list that contradicts itself."""
    for index, condition in enumerate(rule.conditions):
        where = f"{path}.conditions[{index}]"
        if isinstance(condition, contract.KeywordsCondition):
            seen: set[str] = set()
            for position, keyword in enumerate(condition.any_of):
                word = normalise(keyword)
                if not word:
                    raise RuleProblem(f"{where}.any_of[{position}]", "a keyword cannot be blank")
                if word in seen:
                    raise RuleProblem(f"{where}.any_of[{position}]", f"{keyword!r} is listed twice")
                seen.add(word)
            if len(set(condition.fields)) != len(condition.fields):
                raise RuleProblem(f"{where}.fields", "a field is listed twice")
        elif isinstance(condition, contract.PatternCondition):
            _check_pattern(condition.pattern, f"{where}.pattern")
    priorities = [a for a in rule.actions if isinstance(a, contract.SetPriority)]
    if len(priorities) > 1:
        raise RuleProblem(f"{path}.actions", "a rule sets the priority at most once")


def _check_pattern(pattern: str, where: str) -> None:
    trouble = patterns.problem(pattern)
    if trouble is not None:
        raise RuleProblem(where, trouble)


def check_rule_set(rules: Sequence[contract.PriorityRule], path: str = "rules") -> None:
    ids: set[UUID] = set()
    for index, rule in enumerate(rules):
        if rule.id in ids:
            raise RuleProblem(f"{path}[{index}].id", f"{rule.id} is used by an earlier rule")
        ids.add(rule.id)
        check_rule(rule, f"{path}[{index}]")


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: contract.PriorityRule
    # Per condition: a pattern's expression, a keyword condition's keywords.
    patterns: tuple[re.Pattern[str] | None, ...]
    keywords: tuple[tuple[Keyword, ...], ...]


@dataclass(frozen=True, slots=True)
class Evaluation:
    priority: Priority
    reasons: list[contract.PriorityReason]
    tags: list[str]


class CompiledRules:
    """A rule set ready to evaluate: its regular expressions compiled once."""

    def __init__(
        self, rules: Sequence[contract.PriorityRule], default_priority: Priority, version: int
    ) -> None:
        self.default_priority, self.version = default_priority, version
        self._rules = tuple(_compile(rule) for rule in rules if rule.enabled)
        # Every keyword by its first two characters (one, for a one-character keyword): a
        # text is checked only for the keywords whose start it contains.
        self._starts: dict[str, list[tuple[int, Keyword]]] = {}
        numbers: dict[Keyword, int] = {}
        for compiled in self._rules:
            for words in compiled.keywords:
                for word in words:
                    if word not in numbers:
                        numbers[word] = len(numbers)
                        self._starts.setdefault(word.word[:2], []).append((numbers[word], word))
        # Per rule: the keyword numbers of its first keywords condition (None: it has none):
        # when the text holds none of them the rule cannot match, whatever else it asks.
        self._needs = tuple(
            next(
                (
                    frozenset(numbers[word] for word in words)
                    for words, condition in zip(
                        compiled.keywords, compiled.rule.conditions, strict=True
                    )
                    if isinstance(condition, contract.KeywordsCondition)
                ),
                None,
            )
            for compiled in self._rules
        )
        # Per rule and condition: its keywords' numbers (a set meets the text's in C).
        self._numbers = tuple(
            tuple(
                (frozenset(numbers[word] for word in words), tuple(numbers[w] for w in words))
                for words in compiled.keywords
            )
            for compiled in self._rules
        )

    def _found(self, text: str) -> set[int]:
        """The numbers of the rule set's keywords in ``text`` (normalised)."""
        starts = {text[i : i + 2] for i in range(len(text) - 1)}
        starts.update(text)
        found: set[int] = set()
        for start in starts & self._starts.keys():
            found.update(number for number, word in self._starts[start] if word.found_in(text))
        return found

    def history_windows(self) -> set[int]:
        """The windows (days) whose history figures an evaluation may need."""
        return {
            condition.window_days
            for compiled in self._rules
            for condition in compiled.rule.conditions
            if isinstance(condition, contract.HistoryCondition)
        }

    def evaluate(self, facts: Facts, history: Mapping[int, HistoryFigure]) -> Evaluation:
        text = {"title": normalise(facts.title), "description": normalise(facts.description)}
        found = {field: self._found(value) for field, value in text.items()}
        anywhere = found["title"] | found["description"]
        chosen: Priority | None = None
        adjustments: list[int] = []
        reasons: list[contract.PriorityReason] = []
        tags: list[str] = []
        for compiled, numbers, needs in zip(self._rules, self._numbers, self._needs, strict=True):
            if needs is not None and needs.isdisjoint(anywhere):
                continue
            matched = _match(compiled, numbers, facts, text, found, history)
            if matched is None:
                continue
            done: list[str] = []
            for action in compiled.rule.actions:
                if isinstance(action, contract.SetPriority):
                    if chosen is None or URGENCY.index(action.priority) < URGENCY.index(chosen):
                        chosen = action.priority
                    done.append(f"set_priority {action.priority.value}")
                elif isinstance(action, contract.RaisePriority):
                    adjustments.append(-1)
                    done.append("raise_priority")
                elif isinstance(action, contract.LowerPriority):
                    adjustments.append(1)
                    done.append("lower_priority")
                else:
                    tags.extend(tag for tag in action.tags if tag not in tags)
                    done.append("add_tags " + ", ".join(action.tags))
            reasons.append(
                contract.PriorityReason(
                    rule_id=compiled.rule.id,
                    rule_name=compiled.rule.name,
                    matched=matched,
                    actions=done,
                )
            )
            if compiled.rule.stop:
                break
        level = URGENCY.index(chosen if chosen is not None else self.default_priority)
        for step in adjustments:
            level = min(max(level + step, 0), len(URGENCY) - 1)
        return Evaluation(URGENCY[level], reasons, tags)


def _compile(rule: contract.PriorityRule) -> _Compiled:
    patterns: list[re.Pattern[str] | None] = []
    keywords: list[tuple[Keyword, ...]] = []
    for condition in rule.conditions:
        pattern: re.Pattern[str] | None = None
        words: tuple[Keyword, ...] = ()
        if isinstance(condition, contract.KeywordsCondition):
            words = tuple(Keyword.of(keyword) for keyword in condition.any_of)
        elif isinstance(condition, contract.PatternCondition):
            pattern = re.compile(condition.pattern, re.IGNORECASE)
        patterns.append(pattern)
        keywords.append(words)
    return _Compiled(rule, tuple(patterns), tuple(keywords))


def _match(
    compiled: _Compiled,
    numbers: tuple[tuple[frozenset[int], tuple[int, ...]], ...],
    facts: Facts,
    text: Mapping[str, str],
    found: Mapping[str, set[int]],
    history: Mapping[int, HistoryFigure],
) -> list[contract.MatchedCondition] | None:
    """What each condition matched, or None when one does not."""
    results: list[contract.MatchedCondition] = []
    for condition, pattern, words, own in zip(
        compiled.rule.conditions, compiled.patterns, compiled.keywords, numbers, strict=True
    ):
        matched = _condition(condition, pattern, (words, own), facts, text, found, history)
        if matched is None:
            return None
        results.append(matched)
    return results


def _condition(
    condition: contract.Condition,
    pattern: re.Pattern[str] | None,
    keywords: tuple[tuple[Keyword, ...], tuple[frozenset[int], tuple[int, ...]]],
    facts: Facts,
    text: Mapping[str, str],
    found: Mapping[str, set[int]],
    history: Mapping[int, HistoryFigure],
) -> contract.MatchedCondition | None:
    kind = condition.__struct_config__.tag
    assert isinstance(kind, str)
    if isinstance(condition, contract.KeywordsCondition):
        words, (own, order) = keywords
        seen = set().union(*(own & found[field] for field in condition.fields))
        if not seen:
            return None
        hits = [word.written for word, number in zip(words, order, strict=True) if number in seen]
        return contract.MatchedCondition(kind=kind, matched=", ".join(hits)) if hits else None
    if isinstance(condition, contract.PatternCondition):
        assert pattern is not None
        for field in ("title", "description"):
            match = pattern.search(text[field])
            if match is not None:
                return contract.MatchedCondition(kind=kind, matched=match.group(0)[:200])
        return None
    if isinstance(condition, contract.DeviceCodePrefixCondition):
        code = facts.device_code.casefold()
        for prefix in condition.prefixes:
            if code and code.startswith(prefix.casefold()):
                return contract.MatchedCondition(kind=kind, matched=facts.device_code)
        return None
    if isinstance(condition, contract.AlarmCondition):
        if facts.alarm_type is None or facts.alarm_severity is None:
            return None
        if condition.types and facts.alarm_type not in condition.types:
            return None
        if condition.min_severity is not None and _SEVERITY.index(
            facts.alarm_severity
        ) > _SEVERITY.index(condition.min_severity):
            return None
        matched = f"{facts.alarm_type.value} ({facts.alarm_severity.value})"
        return contract.MatchedCondition(kind=kind, matched=matched)
    if isinstance(condition, contract.CustomerTierCondition):
        if facts.customer_tier is None or facts.customer_tier not in condition.tiers:
            return None
        return contract.MatchedCondition(kind=kind, matched=facts.customer_tier.value)
    if isinstance(condition, contract.SiteCondition):
        if facts.site_id is None or facts.site_id not in condition.site_ids:
            return None
        return contract.MatchedCondition(kind=kind, matched=str(facts.site_id))
    if isinstance(condition, contract.WorkOrderTypeCondition):
        if facts.type not in condition.types:
            return None
        return contract.MatchedCondition(kind=kind, matched=facts.type.value)
    figure = history.get(condition.window_days)
    if figure is None or figure.samples < condition.min_samples:
        return None
    if figure.p80_hours <= condition.p80_hours:
        return None
    return contract.MatchedCondition(
        kind=kind,
        matched=f"{facts.asset_family} / {facts.type.value}",
        p80_hours=round(figure.p80_hours, 2),
        samples=figure.samples,
    )


def p80(seconds: Sequence[float]) -> float:
    """The 80th percentile by nearest rank: a figure one of the work orders really took."""
    ordered = sorted(seconds)
    rank = max(1, -(-len(ordered) * 80 // 100))
    return ordered[rank - 1]
