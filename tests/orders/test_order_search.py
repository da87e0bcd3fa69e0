"""The list's search box over a real database (SQLite's FTS5 trigrams, PostgreSQL's pg_trgm when configured):
parts of names, phones and tracking numbers, short queries, edits followed, deep pages, no pg_trgm at all."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select, text, update

from catalog.service import CatalogService
from orders.commands import ChangeStatus, LineRequest, PlaceOrder
from orders.db import migrate
from orders.db.engine import Database
from orders.db.tables import orders
from orders.editing import EditOrder
from orders.edits import OrderEditor
from orders.filters import OrderFilter
from orders.list_service import ListService
from orders.model import Customer
from orders.services import OrderService
from orders.status import OrderStatus, PaymentStatus
from orders.store import StoreConfig
from tests.conftest import POSTGRES_URL, Clock

S = OrderStatus


@pytest.fixture
def service(db: Database, store: StoreConfig, clock: Clock, catalog: CatalogService) -> OrderService:
    return OrderService(db, store, clock=clock)


@pytest.fixture
def listing(db: Database, store: StoreConfig, clock: Clock) -> ListService:
    return ListService(db, store, clock)


async def _place(service: OrderService, name: str, phone: str) -> int:
    cmd = PlaceOrder(
        lines=(LineRequest(1, "COFFEE"),), customer=Customer(name, phone), delivery_address="12 MG Road"
    )
    return (await service.place(cmd)).order.number


async def _found(listing: ListService, query: str, **kw: Any) -> list[int]:
    page = await listing.orders_page(OrderFilter(query=query, **kw))
    assert page.total == len(page.rows) or kw  # every match fits one page here
    return sorted(row.order.number for row in page.rows)


async def test_a_part_of_a_name_phone_or_tracking_number_is_found_in_any_case(
    service: OrderService, listing: ListService
) -> None:
    asha = await _place(service, "Asha Deshpande", "+91 98450 12345")
    jose = await _place(service, "José Núñez", "+34 612 345 678")
    parcel = await _place(service, "Ravi Kumar", "+91 99000 11111")
    await service.change_status(ChangeStatus(parcel, S.CONFIRMED, "test"))
    await service.change_status(ChangeStatus(parcel, S.SHIPPED, "test", "TRK-7788-IN", "DTDC"))

    assert await _found(listing, "deshp") == [asha]  # the middle of a name
    assert await _found(listing, "DESHPANDE") == [asha]
    assert await _found(listing, "450 12") == [asha]  # the middle of a phone, its space included
    assert await _found(listing, "7788") == [parcel]  # the middle of a tracking number
    assert await _found(listing, "trk-77") == [parcel]
    assert await _found(listing, "úñe") == [jose]  # accented letters as typed
    assert await _found(listing, "JOSÉ") == [jose]
    assert await _found(listing, "nune") == []  # accents are not ignored, as before
    assert await _found(listing, f"#{jose}") == [jose]  # a whole order number
    assert await _found(listing, "100%") == []  # % and _ are letters, not wildcards
    assert await _found(listing, 'Asha "D') == []  # a quote cannot break the trigram lookup


async def test_one_or_two_characters_are_searched_too(service: OrderService, listing: ListService) -> None:
    asha = await _place(service, "Asha", "+91 98450")
    meera = await _place(service, "Meera", "+91 70000")
    assert await _found(listing, "sh") == [asha]  # shorter than a trigram: the table is read
    assert await _found(listing, "E") == [meera]
    assert await _found(listing, "9") == [asha, meera]
    assert await _found(listing, "84") == [asha]


async def test_the_search_follows_edits_of_name_phone_and_tracking_number(
    service: OrderService, listing: ListService, db: Database, store: StoreConfig
) -> None:
    number = await _place(service, "Asha Deshpande", "+91 98450 12345")
    other = await _place(service, "Meera", "+91 70000 00000")
    editor = OrderEditor(db, store, service)
    edit = EditOrder(number, "staff", customer_name="Kavya Iyer", customer_phone="+91 81234 56789")
    await editor.edit(edit)
    await editor.edit(EditOrder(number, "staff", tracking_number="AWB-5566"))
    assert await _found(listing, "deshpande") == []
    assert await _found(listing, "98450") == []
    assert await _found(listing, "iyer") == [number]
    assert await _found(listing, "81234") == [number]
    assert await _found(listing, "b-55") == [number]
    await db.write(lambda c: c.execute(delete(orders).where(orders.c.number == other)))
    assert await _found(listing, "meera") == []
    if db.is_sqlite:  # the FTS index holds exactly what `orders` holds (raises if not)
        check = "INSERT INTO orders_search(orders_search, rank) VALUES ('integrity-check', 1)"
        await db.write(lambda c: c.execute(text(check)))


async def test_pages_past_the_middle_are_the_same_walked_from_the_oldest_end(
    service: OrderService, listing: ListService, db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(7):
        await _place(service, f"Asha {i}", f"+91 9845{i}")
        clock.advance(minutes=1)
    # Four orders share one creation time: the id breaks the tie, walked either way.
    same = select(orders.c.created_at).where(orders.c.number == 1002).scalar_subquery()
    await db.write(lambda c: c.execute(update(orders).where(orders.c.number > 1004).values(created_at=same)))
    filters = [OrderFilter(per_page=2, page=p) for p in range(1, 6)]
    filters += [OrderFilter(statuses=(S.PENDING,), per_page=1, page=p) for p in (1, 5, 7, 8)]
    filters += [OrderFilter(payment_status=PaymentStatus.UNPAID, per_page=3, page=p) for p in (1, 3)]

    async def pages() -> list[list[int]]:
        return [[r.order.number for r in (await listing.orders_page(f)).rows] for f in filters]

    shallow = await pages()
    # Every page but the first found by id from the nearer end; the first walked newest first by date.
    monkeypatch.setattr("orders.db.orders.DEEP", 0)
    assert await pages() == shallow
    assert [n for page in shallow[:4] for n in page] == [1004, 1003, 1007, 1006, 1005, 1002, 1001]
    assert shallow[4] == []
    assert shallow[5:] == [[1004], [1005], [1001], [], [1004, 1003, 1007], [1001]]


@pytest.mark.postgres
@pytest.mark.skipif(POSTGRES_URL is None, reason="CHATCART_TEST_POSTGRES_URL not set")
async def test_without_pg_trgm_the_migration_succeeds_and_the_search_reads_the_table(
    store: StoreConfig, clock: Clock
) -> None:
    assert POSTGRES_URL is not None
    owner = Database(POSTGRES_URL)
    await migrate.empty_postgres(owner)
    role = "chatcart_no_extensions"  # may create tables in the schema, not extensions in the database

    def grant(conn: Any) -> None:
        conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        conn.exec_driver_sql(f"GRANT ALL ON SCHEMA public TO {role}")

    await owner.write(grant)
    limited = Database(POSTGRES_URL.replace("//postgres@", f"//{role}@", 1))
    try:
        await migrate.upgrade(limited)
        assert await migrate.is_current(limited)
        trgm = "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'"
        assert await limited.read(lambda c: c.exec_driver_sql(trgm).scalar_one()) == 0
        await CatalogService(limited, clock).import_products([])
        await limited.write(lambda c: c.execute(orders.insert(), [_row(1, "Asha Deshpande")]))
        assert await _found(ListService(limited, store, clock), "deshp") == [1001]
    finally:
        await limited.dispose()
        await migrate.empty_postgres(owner)
        await owner.write(lambda c: c.exec_driver_sql(f"DROP ROLE {role}"))
        await owner.dispose()


def _row(i: int, name: str) -> dict[str, Any]:
    return {
        "id": i,
        "number": 1000 + i,
        "status": "pending",
        "payment_status": "unpaid",
        "payment_method": "cod",
        "currency": "INR",
        "subtotal": 100,
        "total": 100,
        "customer_name": name,
        "customer_phone": "+91 98450",
        "source": "chat",
        "fields": {},
        "created_at": Clock().now,
        "updated_at": Clock().now,
    }
