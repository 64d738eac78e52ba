# ruff: noqa: RUF002  (Chinese and full-width characters are the point)
"""The search index's terms: what an article is found by and what a query asks for. Pure.

Chinese has no spaces, and most fault words are two characters (停机, 压缩), which trigram
indexes cannot find (``../shared/DESIGN.md``, "Chinese search"). So the index is our own, a row
per (article, term), built from the normalised text (NFKC, so full-width ＰＬＣ is plc; and
case-folded):

- every Han character, pair and triple of adjacent characters in a run: a query of one, two or
  three characters asks for that term, a longer one for all of its triples, and is then
  checked against the text (压缩机停 is not in a text holding 压缩机 and 缩机停 apart). Pairs
  alone would leave 压缩机 to be checked too, and a query typed towards a phrase that no
  article holds (压缩机停机) would check every article holding its common pairs;
- every prefix, up to ``PREFIX_LENGTH`` characters, of each Latin or digit token read from each
  of its word starts: ``E-101`` gives ``e``, ``e-1``, ``e-10``, ``e-101``, ``1``, ``10``,
  ``101``, so ``plc e0`` finds words starting ``plc`` and ``e0``, and ``E-1`` finds ``E-101``
  while it is being typed;
- a copy of each term found in the title, marked ``^`` (``^压缩``): the title's own posting
  list, so ranking title matches first reads term rows only;
- each fault code whole, marked ``=`` (``=e07``): a query that is one of a table's codes finds
  that table first;
- for suggestions, each alarm type the article is for, marked ``!`` (``!door_open``), and
  each device-code prefix, marked ``@`` (``@cs-fr-``), found from a device code's prefixes.

``fields`` says where a term occurs, a bit per place (below); the marked copies carry
``TITLE`` and ``CODE``. A query's parts must all occur (AND). A part occurs in a text exactly
when ``Part.find`` finds it, and an article holding a part holds the part's terms; for the parts
``Part.exact`` vouches for, holding the terms is also enough. The others (a Han run of four or
more, a token longer than ``PREFIX_LENGTH``) are checked against the article's text.
"""

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

# Where a term occurs (``knowledge_term.fields``).
CODE = 1  # ``=code``: one of the article's fault codes, whole
TITLE = 2
META = 4  # brand, model family, tags, families, device-code prefixes, alarm types, codes, meanings
BODY = 8  # the body, and the fault codes' likely causes and fixes

# Marks cannot start a plain term: they are neither Han characters nor letters or digits.
TITLE_MARK = "^"
CODE_MARK = "="
ALARM_MARK = "!"
PREFIX_MARK = "@"
MAX_TERM_LENGTH = 64  # knowledge_term.term is varchar(64)
PREFIX_LENGTH = 20  # a token's prefixes are indexed up to this many characters
MAX_CODE_LENGTH = 40  # mobile_contract.knowledge.Code
MAX_QUERY_TERMS = 12  # the index is asked for at most this many terms (the rest are checked)

# Han: the CJK ideographs (unified, extension A, compatibility, the supplementary planes), and
# the iteration and zero marks written inside Chinese words (U+3005, U+3007).
_HAN = "\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_WORD_CHARACTER = rf"[^\W_{_HAN}]"  # a letter or digit of any script but Han
_SEPARATORS = "-_.:/"
# A token: words joined by single separators (e-101, 3.5kw, r404a, plc/hmi, over_temperature).
_TOKEN = rf"{_WORD_CHARACTER}+(?:[-_.:/]{_WORD_CHARACTER}+)*"
_SEGMENT = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<token>{_TOKEN})")
# Where a token can be read from: where a word starts (its start, and after a separator).
_WORD_START = re.compile(rf"(?<!{_WORD_CHARACTER}){_WORD_CHARACTER}")
_HAN_CHARACTER = re.compile(f"[{_HAN}]")
_CODE_SHAPE = re.compile(r"[0-9a-z][0-9a-z_.:/-]*")
_WILDCARDS = frozenset("%_*")


def normalise(text: str) -> str:
    """NFKC and case-folded: width and case do not matter to search (ＰＬＣ is plc)."""
    if not unicodedata.is_normalized("NFKC", text):  # checking is far quicker than changing
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


def _prefixes(token: str) -> Iterator[str]:
    for end in range(1, min(len(token), PREFIX_LENGTH) + 1):
        if token[end - 1] not in _SEPARATORS:
            yield token[:end]


def text_terms(text: str) -> set[str]:
    """The plain terms of one normalised text (see the module)."""
    terms: set[str] = set()
    for segment in _SEGMENT.finditer(text):
        run = segment.group("han")
        if run is not None:
            terms.update(run)
            terms.update(run[i : i + 2] for i in range(len(run) - 1))
            terms.update(run[i : i + 3] for i in range(len(run) - 2))
            continue
        token = segment.group("token")
        for start in _WORD_START.finditer(token):
            terms.update(_prefixes(token[start.start() :]))
    return terms


class FaultCodeText(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def meaning(self) -> str: ...
    @property
    def likely_cause(self) -> str: ...
    @property
    def fix(self) -> str: ...


class Content(Protocol):
    """What the index reads of an article: an ``ArticleIn``, or a stored row of one."""

    @property
    def title(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def brand(self) -> str: ...
    @property
    def model_family(self) -> str: ...
    @property
    def fault_codes(self) -> Sequence[FaultCodeText]: ...
    @property
    def tags(self) -> Sequence[str]: ...
    @property
    def asset_families(self) -> Sequence[str]: ...
    @property
    def device_code_prefixes(self) -> Sequence[str]: ...
    @property
    def alarm_types(self) -> Sequence[str]: ...


def _lines(values: Iterable[str]) -> str:
    # A line per value: neither a Han run nor a token continues from one value into the next.
    return "\n".join(values)


class Texts:
    """An article's searchable text by place, each normalised when first read (a check of a
    query's title needs the title only)."""

    __slots__ = ("_normalised", "_raw")

    def __init__(self, *, title: str, meta: str, body: str) -> None:
        self._raw = {TITLE: title, META: meta, BODY: body}
        self._normalised: dict[int, str] = {}

    @classmethod
    def of(cls, content: Content) -> "Texts":
        codes = content.fault_codes
        meta = [content.brand, content.model_family, *content.tags, *content.asset_families]
        meta += [*content.device_code_prefixes, *content.alarm_types]
        meta += [value for code in codes for value in (code.code, code.meaning)]
        body = [content.body, *(v for code in codes for v in (code.likely_cause, code.fix))]
        return cls(title=content.title, meta=_lines(meta), body=_lines(body))

    def text(self, place: int) -> str:
        """The normalised text of ``TITLE``, ``META`` or ``BODY``."""
        text = self._normalised.get(place)
        if text is None:
            text = self._normalised[place] = normalise(self._raw[place])
        return text


PLACES = (TITLE, BODY, META)  # the order a part is looked for in (the likeliest first)


def article_terms(content: Content) -> dict[str, int]:
    """Every index term of an article, with where it occurs (``fields``)."""
    texts = Texts.of(content)
    terms: dict[str, int] = {}
    for place in PLACES:
        for term in text_terms(texts.text(place)):
            terms[term] = terms.get(term, 0) | place
            if place == TITLE:
                terms[TITLE_MARK + term] = TITLE
    for fault_code in content.fault_codes:
        code = normalise(fault_code.code)
        if code and len(code) <= MAX_CODE_LENGTH:
            terms[CODE_MARK + code] = CODE
    for alarm_type in content.alarm_types:
        terms[alarm_term(alarm_type)] = META
    for prefix in content.device_code_prefixes:
        terms[prefix_term(prefix)] = META
    # None is longer than a marked code or prefix: the column always holds them.
    assert all(len(term) <= MAX_TERM_LENGTH for term in terms)
    return terms


def alarm_term(alarm_type: str) -> str:
    return ALARM_MARK + normalise(alarm_type)[: MAX_TERM_LENGTH - 1]


def prefix_term(prefix: str) -> str:
    """A device-code prefix's term. A prefix has up to 64 characters (``CodePrefix``), the
    column 63 after the mark: a 64-character prefix is found by its first 63, and the
    suggestions check the prefix itself before giving it as a reason."""
    return PREFIX_MARK + normalise(prefix)[: MAX_TERM_LENGTH - 1]


def device_code_terms(device_code: str) -> list[str]:
    """The terms of every prefix a device code starts with (``CS-FR-0012``: ``@c``, ``@cs``,
    ``@cs-`` … ``@cs-fr-0012``)."""
    code = normalise(device_code)
    return list(dict.fromkeys(prefix_term(code[:end]) for end in range(1, len(code) + 1)))


def keywords(text: str) -> list[str]:
    """The words of a free text (a work order's) worth looking up in the index, in order, each
    once: every pair of adjacent Han characters, and every Latin or digit token of three
    characters or more, or of two mixing letters and digits (E7), as its longest indexed
    prefix. Numbers alone (10, 2024) tell nothing."""
    found: dict[str, None] = {}
    for segment in _SEGMENT.finditer(normalise(text)):
        run = segment.group("han")
        if run is not None:
            found.update(dict.fromkeys(run[i : i + 2] for i in range(len(run) - 1)))
        elif _telling(token := segment["token"]):
            found[_keyword(token)] = None
    return list(found)


def _telling(token: str) -> bool:
    letters = any(character.isalpha() for character in token)
    digits = any(character.isdigit() for character in token)
    return letters and (len(token) >= 3 or digits)


def _keyword(token: str) -> str:
    return token[:PREFIX_LENGTH].rstrip(_SEPARATORS)


def phrases(text: str, matched: set[str], found_in: str) -> list[str]:
    """What of a free text the ``matched`` keywords cover, as a person reads it: each matched
    Han pair grown, both ways, as long as ``found_in`` (the article's normalised text) holds
    it (the pairs of 压缩机频繁 make 压缩机频繁, not 机频), and tokens whole; in order, once."""
    found: dict[str, None] = {}
    for segment in _SEGMENT.finditer(normalise(text)):
        run = segment.group("han")
        if run is None:
            if _keyword(token := segment["token"]) in matched:
                found[token] = None
            continue
        i = 0
        while i < len(run) - 1:
            if run[i : i + 2] not in matched:
                i += 1
                continue
            start, end = i, i + 2
            while start > 0 and run[start - 1 : end] in found_in:
                start -= 1
            while end < len(run) and run[start : end + 1] in found_in:
                end += 1
            found[run[start:end]] = None
            i = max(i + 1, end - 1)
    return list(found)


@dataclass(frozen=True, slots=True)
class Part:
    """One thing a query asks for: a run of Han characters, found as a substring, or a token,
    found at the start of a word (``plc`` in ``PLC-01``, ``01`` too)."""

    text: str
    han: bool

    @property
    def terms(self) -> tuple[str, ...]:
        """The plain terms every article holding this part has."""
        if not self.han:
            return (self.text[:PREFIX_LENGTH].rstrip(_SEPARATORS),)
        if len(self.text) <= 3:
            return (self.text,)
        return tuple(dict.fromkeys(self.text[i : i + 3] for i in range(len(self.text) - 2)))

    @property
    def exact(self) -> bool:
        """Whether holding the terms means holding the part (otherwise the text is checked)."""
        return len(self.text) <= 3 if self.han else len(self.text) <= PREFIX_LENGTH

    def find(self, text: str) -> int:
        """Where the part first occurs in the normalised ``text`` (-1: it does not)."""
        if self.han:
            return text.find(self.text)
        found = _at_word_start(self.text).search(text)
        return -1 if found is None else found.start()


_word_starts: dict[str, re.Pattern[str]] = {}


def _at_word_start(token: str) -> re.Pattern[str]:
    pattern = _word_starts.get(token)
    if pattern is None:
        if len(_word_starts) >= 4096:
            _word_starts.clear()
        pattern = re.compile(rf"(?<!{_WORD_CHARACTER}){re.escape(token)}")
        _word_starts[token] = pattern
    return pattern


def places_of(part: Part, texts: Texts) -> int:
    """Where (``TITLE | META | BODY``) ``part`` occurs in an article's text."""
    return sum(place for place in PLACES if part.find(texts.text(place)) >= 0)


@dataclass(frozen=True, slots=True)
class Query:
    """A query as the index reads it. ``terms``: plain terms every match holds (at most
    ``MAX_QUERY_TERMS``, the most telling ones); ``checked``: whether holding them is not
    enough and each candidate's text is checked (``Part.exact``, or terms left out);
    ``code``: the whole query as a fault code is written, when it could be one."""

    text: str
    parts: tuple[Part, ...]
    terms: tuple[str, ...]
    checked: bool
    code: str | None

    @property
    def title_terms(self) -> tuple[str, ...]:
        return tuple(TITLE_MARK + term for term in self.terms)

    def matches(self, texts: Texts, *, title_only: bool = False) -> int:
        """``TITLE`` when every part occurs in the title, ``BODY`` when every part occurs
        but not all in the title (in the body or the other fields), 0 when one is missing
        (or, ``title_only``, is not in the title: the rest is then not read)."""
        in_title = True
        for part in self.parts:
            if part.find(texts.text(TITLE)) >= 0:
                continue
            if title_only:
                return 0
            in_title = False
            if all(part.find(texts.text(place)) < 0 for place in (BODY, META)):
                return 0
        return TITLE if in_title else BODY


def weight(term: str) -> int:
    """How telling a term is, roughly: a Han pair over one character, long over short."""
    word = term.lstrip(TITLE_MARK + CODE_MARK)
    return 2 * len(word) if _HAN_CHARACTER.match(word) else len(word)


def parse_query(text: str) -> Query:
    """A query's parts, Han runs and tokens, each once, and the terms they ask for."""
    normalised = " ".join(normalise(text).split())
    parts: dict[Part, None] = {}
    for segment in _SEGMENT.finditer(normalised):
        run = segment.group("han")
        part = Part(run, han=True) if run is not None else Part(segment["token"], han=False)
        parts[part] = None
    every = tuple(dict.fromkeys(term for part in parts for term in part.terms))
    chosen = every
    if len(every) > MAX_QUERY_TERMS:
        chosen = tuple(sorted(every, key=weight, reverse=True)[:MAX_QUERY_TERMS])
    shaped = _CODE_SHAPE.fullmatch(normalised) and len(normalised) <= MAX_CODE_LENGTH
    return Query(
        text=normalised,
        parts=tuple(parts),
        terms=chosen,
        checked=len(chosen) < len(every) or not all(part.exact for part in parts),
        code=normalised if shaped else None,
    )


def only_wildcards(text: str) -> bool:
    """Whether a query is nothing but SQL or shell wildcards (``%``, ``_``, ``*``)."""
    characters = set(normalise(text)) - set(" \t\r\n")
    return bool(characters) and characters <= _WILDCARDS
