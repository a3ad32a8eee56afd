"""Services: plain functions over a session and a company, called by the CLI, the actors and the API."""
