"""The command line (`chatcart`): one module per command group, `main` parses and runs them."""
