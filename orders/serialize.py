"""Orders and products as plain JSON-ready dicts: the shape the REST API and merchant webhooks publish."""

from __future__ import annotations

from typing import Any

from catalog.product import Product
from orders.model import Order


def order_to_dict(order: Order) -> dict[str, Any]:
    d = order.delivery
    return {
        "id": order.id,
        "number": order.number,
        "status": order.status.value,
        "status_label": order.status.label,
        "payment_status": order.payment_status.value,
        "payment_method": order.payment_method.value,
        "currency": order.currency,
        "subtotal": order.subtotal,
        "delivery_fee": order.delivery_fee,
        "discount": order.discount,
        "total": order.total,
        "items": [
            {
                "name": line.name,
                "sku": line.sku,
                "product_id": line.product_id,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "total": line.total,
                "fields": line.fields,
            }
            for line in order.lines
        ],
        "customer": {
            "name": order.customer.name,
            "phone": order.customer.phone,
            "email": order.customer.email,
        },
        "lead": {"channel": order.lead.channel, "user_id": order.lead.user_id} if order.lead else None,
        "channel": order.channel,
        "source": order.source.value,
        "language": order.language,
        "fields": order.fields,
        "delivery": {
            "method": d.method,
            "address": d.address,
            "carrier": d.carrier,
            "tracking_number": d.tracking_number,
            "expected_date": d.expected_date.isoformat() if d.expected_date else None,
        },
        "warehouse": order.warehouse,
        "note": order.note,
        "assignee": order.assignee,
        "payments": [
            {
                "amount": p.amount,
                "currency": p.currency,
                "provider": p.provider,
                "status": p.status,
                "reference": p.reference,
                "fee": p.fee,
                "net": p.net,
                "created_at": p.created_at.isoformat() if p.created_at else None,
            }
            for p in order.payments
        ],
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "history": [
            {"kind": e.kind, "actor": e.actor, "at": e.at.isoformat(), "data": e.data} for e in order.history
        ],
    }


def product_to_dict(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "sku": product.sku,
        "name": product.name,
        "price": product.price,
        "stock": product.stock,
        "category": product.category,
        "description": product.description,
        "image_urls": list(product.image_urls),
        "aliases": list(product.aliases),
        "active": product.active,
    }
