"""The orders list's URL: its query parameters read into a filter (a bad value is dropped and named, never a
500 or a bare 422), and links that change one parameter and keep the others."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar
from urllib.parse import urlencode

from catalog import limits
from orders.filters import OrderFilter
from orders.status import GROUP_MEMBERS, OrderStatus, PaymentStatus, StatusGroup

T = TypeVar("T")
PAGE_SIZES = (10, 25, 50)
MAX_PAGE = 100_000
# The tabs are status lists: Pending (not yet confirmed) and Current (being worked on or on its way).
TABS = {
    "pending": (OrderStatus.PENDING,),
    "current": tuple(
        sorted(GROUP_MEMBERS[StatusGroup.IN_PROCESSING] | GROUP_MEMBERS[StatusGroup.IN_TRANSIT])
    ),
}
_TEXT = {"q": 200, "channel": 32, "carrier": limits.CARRIER, "warehouse": limits.WAREHOUSE}
_TEXT["tracking"] = limits.TRACKING_NUMBER
# The filters the advanced panel holds (counted as "active"); search, group and page are not in it.
PANEL = ("status", "channel", "payment_status", "carrier", "warehouse", "date_from", "date_to", "tracking")
KEPT = ("q", "group", "per_page", *PANEL)


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The list's parameters as given (for the form and links) and as a filter (for the query)."""

    params: dict[str, str]
    filter: OrderFilter
    problems: tuple[str, ...]

    @property
    def active_filters(self) -> int:
        return sum(1 for name in PANEL if self.params.get(name))

    @property
    def tab(self) -> str:
        statuses = tuple(sorted(self.filter.statuses))
        return next(
            (name for name, members in TABS.items() if members == statuses), "" if statuses else "all"
        )

    def tabs(self) -> list[tuple[str, str, bool]]:
        """(label, link, current) of the Pending / Current / All tabs."""
        wanted = {"pending": "Pending", "current": "Current", "all": "All"}
        return [
            (label, self.link(status=",".join(TABS.get(name, ())), group=None), self.tab == name)
            for name, label in wanted.items()
        ]

    def link(self, **changes: str | int | None) -> str:
        """This list's URL with some parameters changed (None or "" drops one); back to page 1 unless
        the page itself changes."""
        params = {k: v for k, v in self.params.items() if k in KEPT}
        if "page" not in changes:
            params.pop("page", None)
        for name, value in changes.items():
            if value is None or value == "":
                params.pop(name, None)
            else:
                params[name] = str(value)
        return "/admin/orders" + (f"?{urlencode(params)}" if params else "")


def _text(raw: Mapping[str, str], name: str, problems: list[str]) -> str:
    value = raw.get(name, "").strip()
    if len(value) > _TEXT[name] or limits.storable_text(value):
        problems.append(f"The {name.replace('_', ' ')} filter was too long or not text; it is ignored.")
        return ""
    return value


def _choice(raw: str, parse: Callable[[str], T], label: str, problems: list[str]) -> T | None:
    if not raw:
        return None
    try:
        return parse(raw)
    except ValueError:
        problems.append(f"Unknown {label} {raw[:40]!r}; that filter is ignored.")
        return None


def _date(raw: str, problems: list[str]) -> date | None:
    found = _choice(raw, date.fromisoformat, "date", problems)
    if found is not None and found.year > 9998:  # the day after must still be a date
        problems.append(f"Unknown date {raw[:40]!r}; that filter is ignored.")
        return None
    return found


def _whole(raw: str, allowed: range, default: int) -> int:
    return int(raw) if raw.isdecimal() and len(raw) < 10 and int(raw) in allowed else default


def parse(raw: Mapping[str, str]) -> ListQuery:
    """Read the list's query string; whatever is wrong is left out and said."""
    problems: list[str] = []
    texts = {name: _text(raw, name, problems) for name in _TEXT}
    statuses: list[OrderStatus] = []
    for part in raw.get("status", "").split(","):
        status = _choice(part.strip(), OrderStatus, "status", problems)
        statuses += [status] if status else []
    group = _choice(raw.get("group", ""), StatusGroup, "group", problems)
    payment = _choice(raw.get("payment_status", ""), PaymentStatus, "payment status", problems)
    dates = {n: _date(raw.get(n, ""), problems) for n in ("date_from", "date_to")}
    per_page = _whole(raw.get("per_page", ""), range(1, 51), 25)
    per_page = per_page if per_page in PAGE_SIZES else 25
    page = _whole(raw.get("page", ""), range(1, MAX_PAGE + 1), 1)
    f = OrderFilter(
        statuses=tuple(dict.fromkeys(statuses)),
        group=group,
        channel=texts["channel"] or None,
        payment_status=payment,
        query=texts["q"],
        date_from=dates["date_from"],
        date_to=dates["date_to"],
        page=page,
        per_page=per_page,
        carrier=texts["carrier"] or None,
        warehouse=texts["warehouse"] or None,
        tracking=texts["tracking"] or None,
    )
    params = {k: v for k, v in raw.items() if k in (*KEPT, "page") and v and not _dropped(k, f, texts)}
    return ListQuery(params, f, tuple(problems))


def _dropped(name: str, f: OrderFilter, texts: dict[str, str]) -> bool:
    """A parameter whose value was refused: the form and the links forget it."""
    kept = {
        "status": bool(f.statuses),
        "group": f.group is not None,
        "payment_status": f.payment_status is not None,
        "date_from": f.date_from is not None,
        "date_to": f.date_to is not None,
    }
    if name in texts:
        return not texts[name]
    return not kept.get(name, True)
