"""The order desk: orders staff type up by hand (a phone sale, or an empty draft filled in later), the
earlier customers they pick from, and the stock figures of an order's products."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import Connection

from catalog.db.products import ProductRepository
from orders.commands import LineRequest, PlaceOrder
from orders.db import order_pages
from orders.db.engine import Database
from orders.db.order_pages import KnownCustomer
from orders.db.orders import OrderRepository
from orders.editing import EditOrder, InvalidEdit, problems_of
from orders.errors import InvalidOrder
from orders.model import Customer, FieldValue, Order, OrderEvent
from orders.placement import parse_fields
from orders.services import OrderService
from orders.status import OrderSource, OrderStatus, PaymentMethod, PaymentStatus
from orders.store import StoreConfig

ADDRESS_PARTS = ("street", "apartment", "city", "region", "postal_code")
# The parts a shipping address cannot do without, when the store requires an address.
REQUIRED_ADDRESS_PARTS = ("street", "city", "postal_code")


@dataclass(frozen=True, slots=True)
class ManualOrder:
    """What staff typed for a new order; `draft` saves it even empty, to be filled in later."""

    actor: str
    customer: Customer = field(default_factory=Customer)
    lines: tuple[LineRequest, ...] = ()
    delivery_method: str = ""
    address: dict[str, str] = field(default_factory=dict)  # ADDRESS_PARTS
    fields: dict[str, FieldValue] = field(default_factory=dict)
    payment_method: PaymentMethod = PaymentMethod.COD
    note: str = ""
    draft: bool = False


@dataclass(frozen=True, slots=True)
class StockRow:
    """One product of an order in the warehouse: on the shelf, held by open orders, free to sell."""

    sku: str
    name: str
    this_order: int
    in_stock: int | None  # None: stock not tracked
    reserved: int
    available: int | None


def address_text(parts: dict[str, str]) -> str:
    """The parts of an address as one line, in the order a courier reads them."""
    return ", ".join(parts[p].strip() for p in ADDRESS_PARTS if parts.get(p, "").strip())


def required_address_parts(store: StoreConfig, method: str) -> tuple[str, ...]:
    """The address parts this store needs for this delivery method (none for a pickup)."""
    spec = store.order_field("delivery_address")
    if spec is None or not spec.required or not spec.applies_to_delivery(method):
        return ()
    return REQUIRED_ADDRESS_PARTS


class OrderDesk:
    """Manual orders and the order page's reads, each in one transaction."""

    def __init__(self, db: Database, store: StoreConfig, orders: OrderService) -> None:
        self._db = db
        self._store = store
        self._orders = orders

    def check(self, cmd: ManualOrder) -> dict[str, str]:
        """What is wrong with a typed order, field by field (empty when it can be saved)."""
        c = cmd.customer
        edit = EditOrder(0, cmd.actor, customer_name=c.name, customer_phone=c.phone, customer_email=c.email)
        problems = problems_of(edit, self._store)
        if cmd.draft:
            return problems
        method = cmd.delivery_method or self._store.store.delivery[0]
        for part in required_address_parts(self._store, method):
            if not cmd.address.get(part, "").strip():
                problems[part] = "Required"
        if not cmd.lines:
            problems["lines"] = "Add at least one product"
        return problems

    async def create(self, cmd: ManualOrder) -> Order:
        """Place the order (stock reserved) or save the draft; its sales manager is whoever typed it."""
        if problems := self.check(cmd):
            raise InvalidEdit(problems)
        order = await self._db.write(lambda conn: self._create_in(conn, cmd))
        self._orders.after_commit()
        return order

    def _create_in(self, conn: Connection, cmd: ManualOrder) -> Order:
        if cmd.draft and not cmd.lines:
            order = self._draft_in(conn, cmd)
        else:
            placed = PlaceOrder(
                lines=cmd.lines,
                customer=cmd.customer,
                source=OrderSource.MANUAL,
                delivery_method=cmd.delivery_method,
                delivery_address=address_text(cmd.address),
                payment_method=cmd.payment_method,
                fields=cmd.fields,
                note=cmd.note,
                actor=cmd.actor,
            )
            order = self._orders.place_in(conn, placed)
        values = {"assignee": cmd.actor, "assignee_confirmed": False}
        OrderRepository(conn).update_guarded(order.id, order.status, values)
        return replace(order, assignee=cmd.actor, assignee_confirmed=False)

    def _draft_in(self, conn: Connection, cmd: ManualOrder) -> Order:
        """An empty New order: no lines, no stock, nobody told yet."""
        now = self._orders.now()
        method = cmd.delivery_method or self._store.store.delivery[0]
        if method not in self._store.store.delivery:
            raise InvalidOrder(f"delivery method {method!r} is not offered")
        # A draft keeps what was typed, checked, and asks for the rest only when it is placed.
        optional = tuple(spec.model_copy(update={"required": False}) for spec in self._store.order_fields)
        fields = parse_fields(optional, cmd.fields, "fields", method=method)
        repo = OrderRepository(conn)
        values = {
            "status": OrderStatus.PENDING.value,
            "payment_status": PaymentStatus.UNPAID.value,
            "payment_method": cmd.payment_method.value,
            "currency": self._store.currency,
            "subtotal": 0,
            "delivery_fee": 0,
            "total": 0,
            "customer_name": cmd.customer.name,
            "customer_phone": cmd.customer.phone,
            "customer_email": cmd.customer.email,
            "source": OrderSource.MANUAL.value,
            "channel": "",
            "language": self._store.default_language,
            "delivery_method": method,
            "delivery_address": address_text(cmd.address),
            "fields": fields,
            "note": cmd.note,
            "remind_at": None,
            "created_at": now,
            "updated_at": now,
        }
        created = OrderEvent("created", cmd.actor, now, {"source": "manual", "draft": True})
        return repo.insert(values, [], created)

    async def known_customers(self, query: str = "") -> list[KnownCustomer]:
        return await self._db.read(lambda conn: order_pages.known_customers(conn, query))

    async def customer_of(self, number: int) -> KnownCustomer | None:
        return await self._db.read(lambda conn: order_pages.customer_of(conn, number))

    async def stock(self, order: Order) -> list[StockRow]:
        """In stock / reserved / available for each product of the order."""

        def work(conn: Connection) -> list[StockRow]:
            ids = [line.product_id for line in order.lines if line.product_id is not None]
            products = {p.id: p for p in ProductRepository(conn).get_many(ids=ids)}
            held = order_pages.reserved_units(conn, ids)
            rows = []
            for line in order.lines:
                product = products.get(line.product_id) if line.product_id is not None else None
                free = product.stock if product else None
                reserved = held.get(line.product_id or 0, 0)
                shelf = None if free is None else free + reserved
                rows.append(StockRow(line.sku, line.name, line.quantity, shelf, reserved, free))
            return rows

        return await self._db.read(work)
