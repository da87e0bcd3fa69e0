"""Relevance search over a catalog snapshot: typo-tolerant, alias-aware, unsellable products left out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from catalog.product import Product

_WORD = re.compile(r"\w+", re.UNICODE)
_FUZZY_TOKEN = 84  # "masla" ~ "masala" (91), "chia" ~ "chai" (75: too far for 4 letters)
_MIN_FUZZY_LENGTH = 4
LIST_CUTOFF = 60.0
MENTION_CUTOFF = 90.0
QUERY_WEIGHT = 0.75  # how much a query the name answers counts, next to how much of the name it typed


def tokens(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))


def _token_matches(word: str, wanted: Iterable[str]) -> bool:
    if word in wanted:
        return True
    if len(word) < _MIN_FUZZY_LENGTH:
        return False
    return any(len(w) >= _MIN_FUZZY_LENGTH and fuzz.ratio(word, w) >= _FUZZY_TOKEN for w in wanted)


@dataclass(frozen=True, slots=True)
class Match:
    """A product relevant to a query, with its score (100: the whole name typed)."""

    product: Product
    score: float


class CatalogSnapshot:
    """The products on sale at one moment, indexed for the conversation engine; `sold` (units per product
    id, lately) puts what sells first in the list a shopper sees before naming anything."""

    def __init__(self, products: Sequence[Product], sold: Mapping[int, int] | None = None) -> None:
        self.products = tuple(p for p in products if p.active)
        self.sold = dict(sold or {})
        self._by_sku = {p.sku: p for p in self.products}
        self._by_id = {p.id: p for p in self.products}
        # Best sellers first; then the order products were added in (a catalog file's own order).
        ranked = sorted(self.products, key=lambda p: (-self.sold.get(p.id, 0), p.id))
        self._sellable = tuple(p for p in ranked if p.available(1))
        # Each product is found by its name and by every alias, as word lists.
        self._candidates = {
            p.id: [words for c in (p.name, *p.aliases) if (words := tokens(c))] for p in self.products
        }

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

    def mentioned(self, text: str) -> Product | None:
        """The one product a message clearly names ("2 masala chai"), if exactly one stands out."""
        # Naming a product takes most of its name (or an alias): one shared word only lists it.
        matches = self.search(text, cutoff=MENTION_CUTOFF, credit_query=False)
        if not matches:
            return None
        if len(matches) > 1 and matches[1].score >= matches[0].score - 0.005:
            return None  # "chai" alone may mean several teas: let the shopper pick
        return matches[0].product
