"""One inbound message: dispatch, the turn runner, claims, order and admin commands, the catalog cache."""
