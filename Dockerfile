# lettrage worker, scheduler and API: one image, the command picks the role.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# WeasyPrint (reminder letters as PDF) needs Pango and HarfBuzz from the system.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
       fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Locked dependencies first: this layer is reused while only the code changes.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY pyproject.toml README.md ./
COPY worker ./worker
COPY connectors ./connectors
COPY matching ./matching
COPY reminders ./reminders
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 --user-group lettrage \
    && mkdir -p /data/inbox /data/var \
    && chown -R lettrage:lettrage /data

USER lettrage
VOLUME ["/data/inbox", "/data/var"]
EXPOSE 8000
# The worker finishes the task under way on SIGTERM (docker stop); give it time (stop_grace_period).
STOPSIGNAL SIGTERM

CMD ["lettrage", "worker"]
