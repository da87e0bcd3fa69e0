"""Payments: the gateway protocol providers implement, and (with them) payment records and their rules."""
