"""Who may do what through the HTTP API: permissions and roles, web passwords, sessions, API keys."""
