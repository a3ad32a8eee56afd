"""Who may act and for which company: users and their sessions, API tokens, the client companies."""
