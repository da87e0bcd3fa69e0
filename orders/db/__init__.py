"""Persistence of orders: the engine, prepared statements, tables, repositories and migrations."""
