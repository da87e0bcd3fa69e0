"""Staff accounts: roles and what each may do, passwords, sign-in throttling, sessions, the first owner."""
