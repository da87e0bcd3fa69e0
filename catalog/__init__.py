"""Catalog: products, their import, search and stock arithmetic."""
