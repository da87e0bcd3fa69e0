"""The SQL foundation every table builds on, and the products table with its repository."""
