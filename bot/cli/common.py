"""What every command group shares: the type of the sub-command table each one adds its commands to."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # argparse's class is generic only to type checkers
    Subcommands = argparse._SubParsersAction[argparse.ArgumentParser]
else:
    Subcommands = argparse._SubParsersAction


class CommandError(ValueError):
    """A command that cannot do what was asked; the message says why (printed as `chatcart: error: …`)."""
