"""Relevance search over a catalog snapshot: typo-, script- and plural-tolerant, alias-aware, sellable."""

# Words are compared by their keys (catalog.words): "समोसे" finds "Samosa".

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from catalog.product import Product
from catalog.words import keys

# Between keys (endings already cut): "masl" ~ "masal" (89), "kehv" ~ "kahv" (75), "jhaleb" ~ "jaleb" (91);
# "kaf" (café) ~ "kof" (coffee) is 67 and three-letter keys must match exactly anyway.
_FUZZY_TOKEN = 75
_MIN_FUZZY_LENGTH = 4
_NEAR_CACHE = 4096  # keys looked up per snapshot; the cache is dropped when full
LIST_CUTOFF = 60.0
MENTION_CUTOFF = 90.0
QUERY_WEIGHT = 0.75  # how much a query the name answers counts, next to how much of the name it typed


def tokens(text: str) -> tuple[str, ...]:
    """The keys a text is searched by (see catalog.words.key)."""
    return keys(text)


def _token_matches(word: str, wanted: Iterable[str]) -> bool:
    if word in wanted:
        return True
    if len(word) < _MIN_FUZZY_LENGTH:
        return False
    return any(len(w) >= _MIN_FUZZY_LENGTH and fuzz.ratio(word, w) >= _FUZZY_TOKEN for w in wanted)


@dataclass(frozen=True, slots=True)
class Spot:
    """A product named in a message: the words `start` to `end` (inclusive) hold its name or an alias."""

    product: Product
    start: int
    end: int
    words: int  # how many words the name took: a longer name wins over a shorter one inside it
    exact: bool
    numbers: tuple[int, ...] = ()  # positions of the name's own numbers ("no. 4"): no quantity


@dataclass(frozen=True, slots=True)
class Match:
    """A product relevant to a query, with its score (100: the whole name typed)."""

    product: Product
    score: float


class CatalogSnapshot:
    """The products on sale at one moment, indexed for the conversation engine; `sold` (units per product
    id, lately) puts what sells first in the list a shopper sees before naming anything."""

    def __init__(
        self,
        products: Sequence[Product],
        sold: Mapping[int, int] | None = None,
        versions: Mapping[int, str] | None = None,
    ) -> None:
        self.products = tuple(p for p in products if p.active)
        self.sold = dict(sold or {})
        # Each product row's version as loaded (PostgreSQL): an order priced from the snapshot checks them.
        self.versions = dict(versions or {})
        self._by_sku = {p.sku: p for p in self.products}
        self._by_id = {p.id: p for p in self.products}
        # Best sellers first; then the order products were added in (a catalog file's own order).
        ranked = sorted(self.products, key=lambda p: (-self.sold.get(p.id, 0), p.id))
        self._sellable = tuple(p for p in ranked if p.available(1))
        # Each product is found by its name and by every alias, as word lists.
        self._candidates = {
            p.id: [words for c in (p.name, *p.aliases) if (words := tokens(c))] for p in self.products
        }
        # Every key of a sellable name, with the names that hold it, to find products named in a message.
        self._holders: dict[str, list[tuple[Product, tuple[str, ...], tuple[str, ...]]]] = {}
        for p in self._sellable:
            for full in self._candidates[p.id]:
                # A number in a name need not be typed ("Samosa (2 pcs)"), but when it is ("no. 4") it
                # tells apart names that differ only by it.
                if not (candidate := tuple(w for w in full if not w.isdigit())):
                    continue
                digits = tuple(w for w in full if w.isdigit())
                for word in dict.fromkeys(candidate):
                    self._holders.setdefault(word, []).append((p, candidate, digits))
        self._vocabulary = [w for w in self._holders if len(w) >= _MIN_FUZZY_LENGTH]
        self._near_cache: dict[str, frozenset[str]] = {}

    def by_sku(self, sku: str) -> Product | None:
        return self._by_sku.get(sku)

    def by_id(self, product_id: int) -> Product | None:
        return self._by_id.get(product_id)

    def sellable(self) -> Sequence[Product]:
        """In the order the first list shows them: what sold most lately, then the catalog's own order."""
        return self._sellable

    def score(self, product: Product, words: Sequence[str], *, credit_query: bool = True) -> float:
        """100 when every word of the name (or of an alias) is in the text, less as fewer are.

        A query all of whose words are in the name ("darjeeling" for "Single-estate Darjeeling first
        flush") is relevant too, however long the name; of two such products, the one more of whose name
        was typed ranks first ("first flush no 3"). Without `credit_query`, only the name counts.
        """
        present = set(words)
        asked = [w for w in present if len(w) >= _MIN_FUZZY_LENGTH - 1 and not w.isdigit()]
        best = 0.0
        for candidate in self._candidates[product.id]:
            covered = sum(1 for token in candidate if _token_matches(token, present)) / len(candidate)
            answered = 0.0
            if credit_query and asked:
                answered = sum(1 for w in asked if _token_matches(w, candidate)) / len(asked)
            coverage = max(covered, QUERY_WEIGHT * answered + (1 - QUERY_WEIGHT) * covered)
            if coverage:
                best = max(best, 50 + 50 * coverage + min(len(candidate), 4) * 0.01)
        return best

    def search(self, text: str, *, cutoff: float = LIST_CUTOFF, credit_query: bool = True) -> list[Match]:
        """Sellable products relevant to `text`, best first (ties: name order)."""
        words = tokens(text)
        if not words:
            return []
        scored = ((p, self.score(p, words, credit_query=credit_query)) for p in self.sellable())
        matches = [Match(p, s) for p, s in scored if s >= cutoff]
        return sorted(matches, key=lambda m: (-m.score, m.product.name))

    def knows(self, word: str) -> bool:
        """Whether this key is a word of some sellable product's name or alias, as it is."""
        return word in self._holders

    def near(self, word: str) -> frozenset[str]:
        """The catalog's keys this message key may be: itself, or a close spelling of four letters or more."""
        if (found := self._near_cache.get(word)) is not None:
            return found
        near = {word} if word in self._holders else set()
        if len(word) >= _MIN_FUZZY_LENGTH and not word.isdigit():
            hits = process.extract(
                word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=_FUZZY_TOKEN, limit=None
            )
            near.update(hit[0] for hit in hits)
        if len(self._near_cache) >= _NEAR_CACHE:
            self._near_cache.clear()
        self._near_cache[word] = found = frozenset(near)
        return found

    def spots(self, words: Sequence[str]) -> list[Spot]:
        """Every sellable product whose whole name (or alias) is in these message keys, close together."""
        # In any order ("chai masala"), with other words between ("café de filtro"); overlapping spots are
        # all returned, the caller keeps the best.
        near = [self.near(w) if w else frozenset() for w in words]
        found: dict[tuple[int, int, int], Spot] = {}
        seen: set[tuple[int, tuple[str, ...]]] = set()
        for candidates in (self._holders.get(k, ()) for ks in near for k in ks):
            for product, candidate, digits in candidates:
                if (product.id, candidate) in seen:
                    continue
                seen.add((product.id, candidate))
                spot = self._spot(product, candidate, digits, words, near)
                if spot is not None:
                    known = found.get((product.id, spot.start, spot.end))
                    if known is None or (spot.words, spot.exact) > (known.words, known.exact):
                        found[(product.id, spot.start, spot.end)] = spot
        return list(found.values())

    @staticmethod
    def _spot(
        product: Product,
        candidate: tuple[str, ...],
        digits: tuple[str, ...],
        words: Sequence[str],
        near: Sequence[frozenset[str]],
    ) -> Spot | None:
        used: list[int] = []
        for name_word in candidate:
            at = next((i for i, ks in enumerate(near) if name_word in ks and i not in used), None)
            if at is None:
                return None
            used.append(at)
        start, end = min(used), max(used)
        if end - start + 1 > 2 * len(candidate):  # scattered words do not name a product
            return None
        exact = all(words[i] == w for i, w in zip(used, candidate, strict=True))
        numbers = tuple(
            at
            for digit in digits
            if (at := next((i for i in range(start, min(end + 3, len(words))) if words[i] == digit), -1)) >= 0
        )
        if numbers:
            start, end = min(start, *numbers), max(end, *numbers)
        return Spot(product, start, end, len(candidate) + len(numbers), exact, numbers)

    def mentioned(self, text: str) -> Product | None:
        """The one product a message clearly names ("2 masala chai"), if exactly one stands out."""
        # Naming a product takes most of its name (or an alias): one shared word only lists it.
        matches = self.search(text, cutoff=MENTION_CUTOFF, credit_query=False)
        if not matches:
            return None
        if len(matches) > 1 and matches[1].score >= matches[0].score - 0.005:
            return None  # "chai" alone may mean several teas: let the shopper pick
        return matches[0].product
