"""The HTTP side of lettrage (FastAPI): health checks now; the review queue and API come with their issue."""
