# archive-bot: the Discord bot in a container.
# Build: docker compose build   Run: docker compose up -d   (token in .env, see .env.example)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ARCHIVE_BOT_CONFIG=/app/config/config.yaml

WORKDIR /app

# The README's install command, nothing else.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install .

# Defaults baked in; docker-compose.yml mounts the real archive and config over them.
# config.yaml's relative paths resolve against /app/config: archive /app/seeds,
# index /app/data/index, query log /app/data/querylog.sqlite3 (+ the heartbeat file).
COPY config ./config
COPY seeds ./seeds
RUN useradd --create-home --uid 10001 archive \
    && mkdir -p /app/data/index \
    && chown -R archive:archive /app/data
USER archive

VOLUME ["/app/data", "/app/data/index"]

# Healthy while connected: the bot touches /app/data/heartbeat every 30 s once ready.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import os, sys, time; sys.exit(0 if time.time() - os.path.getmtime('/app/data/heartbeat') < 90 else 1)"]

# SIGTERM (docker stop) closes the connection and writes every query-log row first.
STOPSIGNAL SIGTERM
ENTRYPOINT ["archive-bot"]
CMD ["run"]
