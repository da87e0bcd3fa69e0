"""The REST API under /api/v1: orders, products and their errors."""
