# The fieldops image: `fieldops serve` by default; docker-compose.yml also runs it as
# `fieldops migrate` and `fieldops worker`. Dependencies come only from the hashed lock.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The CJK font the PDF resolution report embeds (reports/fonts.py finds it here).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, in a layer of their own: rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

# The project itself (its dependencies are all in the lock above, hence --no-deps).
COPY . .
RUN pip install --no-deps . \
    && useradd --system --user-group --uid 10001 --home-dir /app --no-create-home fieldops \
    && mkdir -p /app/var \
    && chown fieldops:fieldops /app/var

USER fieldops

ENV FIELDOPS_HOST=0.0.0.0 \
    FIELDOPS_VAR_DIR=/app/var

EXPOSE 8000

CMD ["fieldops", "serve"]
