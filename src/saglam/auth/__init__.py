"""People and integration clients: accounts, roles and scopes, passwords, tokens, web sessions."""
