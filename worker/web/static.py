"""The pages' static files, served from the package itself: no CDN, nothing fetched at run time."""
from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from worker.web.render import STATIC

FILES = {
    "htmx.min.js": "text/javascript",  # htmx 2.0.11 (npm htmx.org), BSD Zero-Clause licence beside it
    "app.js": "text/javascript",
    "app.css": "text/css",
    "dashboard.css": "text/css",  # the dashboard page's own layout
    "customer_page.css": "text/css",  # the customer's page (worker/web/customer_page.py), phone first
}


def router() -> APIRouter:
    routes = APIRouter()

    @routes.get("/static/{name}")
    def static_file(name: str) -> FileResponse:
        media_type = FILES.get(name)
        if media_type is None:
            raise HTTPException(status_code=404)
        return FileResponse(STATIC / name, media_type=media_type,
                            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})

    return routes
