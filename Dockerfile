# archive-bot: the Discord bot in a container.
# Build: docker compose build   Run: docker compose up -d   (token in .env, see .env.example)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ARCHIVE_BOT_CONFIG=/app/config/config.yaml

WORKDIR /app

# Dependencies first, in a layer of their own: it is rebuilt only when pyproject.toml
# changes, so a code change does not reinstall numpy and scipy. EXTRAS: optional extras
# too, comma-separated (the compose file's cluster profile builds cluster,postgresql,redis).
ARG EXTRAS=""
COPY pyproject.toml README.md ./
RUN python -c "import os, tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; print('\n'.join(p['dependencies'] + [d for e in os.environ.get('EXTRAS', '').split(',') if e.strip() for d in p['optional-dependencies'][e.strip()]]))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the code: the README's install command, with the dependencies already in place.
# A C compiler only for this step: it builds the BM25 kernel (bot/core/_postings.c) and is
# removed again (without one the install would fall back to numpy scoring, slower).
COPY setup.py ./
COPY bot ./bot
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install --no-deps . \
    && python -c "import bot.core._postings" \
    && apt-get purge -y gcc libc6-dev && apt-get autoremove -y \
    && rm -rf /var/lib/apt/lists/*

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

# Healthy while connected: the bot touches a heartbeat file beside its query log every 30 s;
# `archive-bot health` reads the same config, so it follows wherever that puts the file.
HEALTHCHECK --interval=30s --timeout=10s --start-period=90s --retries=3 \
    CMD ["archive-bot", "health"]

# SIGTERM (docker stop) closes the connection and writes every query-log row first.
STOPSIGNAL SIGTERM
ENTRYPOINT ["archive-bot"]
CMD ["run"]
