"""`make understand`: the share of the corpus's shopper messages understood, and what reading one costs."""

# Each message is judged by what the turn does (the cart, the step, the replies), per language and class.

from __future__ import annotations

import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.templating import load_lexicon, load_phrases
from catalog.importer import parse_catalog
from catalog.product import Product
from catalog.search import CatalogSnapshot
from flows.conversation import CartLine, Conversation, Step
from flows.engine import step
from flows.machine import move
from flows.messages import ConversationKey, InboundMessage
from flows.turn import OrderStatusCommand, StoreView, Turn
from orders.store import parse_store_config

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "understanding"
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
STORE = """
[store]
name = "Chai Corner"
currency = "INR"
languages = ["en", "es", "hi"]
delivery = ["shipping", "pickup"]
quote_rates = { USD = "0.012", EUR = "0.011" }
[[order_fields]]
name = "delivery_address"
required = true
"""
NAMES = {
    "masala": "CHAI-MASALA",
    "ginger": "CHAI-GINGER",
    "elaichi": "CHAI-ELAICHI",
    "kahwa": "CHAI-KASHMIRI",
    "lemon": "CHAI-LEMON",
    "filter": "COFFEE-FILTER",
    "cold": "COFFEE-COLD",
    "samosa": "SNACK-SAMOSA",
    "pakora": "SNACK-PAKORA",
    "rusk": "SNACK-RUSK",
    "jalebi": "SWEET-JALEBI",
    "laddu": "SWEET-LADDU",
    "lassi": "DRINK-LASSI-SWEET",
    "mango": "DRINK-LASSI-MANGO",
    "green": "TEA-GREEN",
}
SHORT = {sku: name for name, sku in NAMES.items()}
CART = (("SNACK-SAMOSA", 5), ("CHAI-MASALA", 2))  # what the cart holds at the "cart" step
LAST_ORDER = 7


@dataclass(frozen=True, slots=True)
class Case:
    language: str
    kind: str
    at: str
    message: str
    expected: str


def load_corpus(path: Path = DATA / "corpus.txt") -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            language, kind, at, message, expected = line.split("|")
            cases.append(Case(language, kind, at, message, expected))
    return cases


def catalog(extra: int = 0) -> CatalogSnapshot:
    """The corpus's shop; `extra` filler products make it as big as a real catalog for timing."""
    rows = parse_catalog((DATA / "catalog.csv").read_text(encoding="utf-8"), currency="INR", fmt="csv")
    products = [
        Product(i + 1, d.sku, d.name, d.price, d.stock, d.category, aliases=d.aliases)
        for i, d in enumerate(rows)
    ]
    adjectives = [
        "Royal",
        "Classic",
        "Spiced",
        "Smoked",
        "Honey",
        "Rose",
        "Saffron",
        "Mint",
        "Pepper",
        "Tulsi",
    ]
    goods = ["biscuit", "cake", "muffin", "kulfi", "barfi", "halwa", "kachori", "dhokla", "vada", "poha"]
    for n in range(extra):
        name = f"{adjectives[n % 10]} {goods[n // 10 % 10]} {chr(65 + n // 100)}{n}"
        products.append(Product(1000 + n, f"X-{n}", name, 5000, 100, "More"))
    return CatalogSnapshot(products)


def make_view(snapshot: CatalogSnapshot | None = None) -> StoreView:
    return StoreView(parse_store_config(STORE), snapshot or catalog(), load_phrases(), load_lexicon())


def _conversation(view: StoreView, at: str) -> Conversation:
    conv = Conversation(ConversationKey("corpus", "1"), "en", last_order=LAST_ORDER)
    if at == "list":
        move(conv, "show_products")
    elif at == "cart":
        for sku, quantity in CART:
            product = view.catalog.by_sku(sku)
            assert product is not None
            conv.cart.append(CartLine(sku, product.name, quantity, product.price))
        move(conv, "show_cart_menu")
    return conv


def observe(view: StoreView, at: str, message: str) -> str:
    """What the turn did, in the corpus's words (see the header of corpus.txt)."""
    conv = _conversation(view, at)
    before = {line.sku: line.quantity for line in conv.cart}
    turn = step(conv, InboundMessage(conv.key, "1", NOW, text=message), view, NOW)
    return _outcome(turn, conv, before)


def _outcome(turn: Turn, conv: Conversation, before: dict[str, int]) -> str:
    texts = [r.text for r in turn.replies]
    for key in ("human", "paid", "help"):
        if _phrase(turn, key) in texts:
            return key
    if any("(approximate;" in x for x in texts):
        return "quote"
    if any(type(c).__name__ == "ReopenOrderCommand" for c in turn.commands):  # none before it existed
        return "reopen"
    if any(isinstance(c, OrderStatusCommand) for c in turn.commands):
        return "status"
    prices = [
        SHORT.get(p.sku, p.sku)
        for p in turn.view.catalog.products
        if any(x.startswith(p.name + ":") for x in texts)
    ]
    if prices:
        return "price:" + ",".join(prices)
    return _cart_change(turn, conv, before, texts)


def _cart_change(turn: Turn, conv: Conversation, before: dict[str, int], texts: list[str]) -> str:  # noqa: PLR0911
    """What the turn did to the cart or the flow, when it said nothing more telling."""
    after = {line.sku: line.quantity for line in conv.cart}
    if before and not after:
        return "restart" if conv.step is Step.CHOOSING_PRODUCT else "cleared"
    removed = [sku for sku in before if sku not in after]
    if removed:
        return "remove:" + ",".join(SHORT[s] for s in removed)
    lowered = [f"set:{SHORT[s]}*{q}" for s, q in after.items() if s in before and q < before[s]]
    if lowered:
        return " ".join(lowered)
    added = [(s, q - before.get(s, 0)) for s, q in after.items() if q > before.get(s, 0)]
    items = [f"{SHORT[s]}*{q}" for s, q in added]
    if conv.pending is not None:
        items.append(f"{SHORT[conv.pending.sku]}*{conv.pending.quantity or '?'}")
    items += [f"{SHORT[s]}*{q or '?'}" for s, q in getattr(conv, "queue", ())]  # the engine before had none
    if items:
        return " ".join(sorted(items))
    if conv.step in (Step.DELIVERY_METHOD, Step.ORDER_FIELD, Step.SUMMARY):
        return "checkout"
    if any(x.startswith("Your cart:\n") for x in texts):
        return "cart"
    if conv.step is Step.CHOOSING_PRODUCT and not any(x.startswith("I couldn't find") for x in texts):
        if conv.query:
            return "list"
        return "greeting" if any(x.startswith("Hi! Welcome") for x in texts) else "menu"
    return "none"


def _phrase(turn: Turn, key: str) -> str | None:
    try:
        return turn.t(key)
    except KeyError:
        return None  # a phrase an older engine does not have (measuring the "before")


@dataclass
class Score:
    right: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        return 100 * self.right / self.total if self.total else 0.0


@dataclass
class Report:
    overall: Score
    by_language: dict[str, Score]
    by_kind: dict[str, Score]
    misses: list[tuple[Case, str]]


def evaluate(cases: list[Case], view: StoreView | None = None) -> Report:
    view = view or make_view()
    overall = Score()
    by_language: dict[str, Score] = defaultdict(Score)
    by_kind: dict[str, Score] = defaultdict(Score)
    misses: list[tuple[Case, str]] = []
    for case in cases:
        got = observe(view, case.at, case.message)
        ok = " ".join(sorted(case.expected.split())) == got
        for score in (overall, by_language[case.language], by_kind[case.kind]):
            score.total += 1
            score.right += ok
        if not ok:
            misses.append((case, got))
    return Report(overall, dict(by_language), dict(by_kind), misses)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[int(len(samples) * 0.99)]


def parse_cost(products: int = 500, rounds: int = 3) -> tuple[tuple[float, float], tuple[float, float]]:
    """p50 and p99 CPU µs to read a corpus message against `products` products: (cold, warm) caches."""
    from catalog.words import key
    from flows import understanding  # the reader alone, without the rest of the turn

    snapshot = catalog(products - 15)
    lexicon = load_lexicon()
    messages = [c.message for c in load_corpus()]
    key.cache_clear()
    understanding._single_number.cache_clear()  # a cold start: no word seen yet
    cold: list[float] = []
    warm: list[float] = []
    for samples, repeat in ((cold, 1), (warm, rounds)):
        for _ in range(repeat):
            for message in messages:
                start = time.thread_time_ns()  # CPU time: wall time on a shared machine counts the neighbours
                understanding.read(message, lexicon, snapshot)
                samples.append((time.thread_time_ns() - start) / 1000)
    return _percentiles(cold), _percentiles(warm)


def main() -> None:
    cases = load_corpus()
    report = evaluate(cases)
    overall, by_language, by_kind, misses = report.overall, report.by_language, report.by_kind, report.misses
    print(f"understood: {overall.right}/{overall.total} = {overall.rate:.1f} %")
    print("per language:")
    for name, score in sorted(by_language.items()):
        print(f"  {name:8} {score.right:3}/{score.total:<3} {score.rate:5.1f} %")
    print("per class:")
    for name, score in sorted(by_kind.items()):
        print(f"  {name:12} {score.right:3}/{score.total:<3} {score.rate:5.1f} %")
    if "-v" in sys.argv:
        for case, got in misses:
            where = f"{case.language} {case.kind} {case.at}"
            print(f"  miss [{where}] {case.message!r}: want {case.expected!r}, got {got!r}")
    (cold50, cold99), (warm50, warm99) = parse_cost()
    print("reading one message (CPU time), 500 products:")
    print(f"  words seen before: p50 {warm50:.0f} µs, p99 {warm99:.0f} µs")
    print(f"  first time (cold): p50 {cold50:.0f} µs, p99 {cold99:.0f} µs")


if __name__ == "__main__":
    main()
