# Production image: slim Python, exact locked dependencies, non-root, healthcheck.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.lock ./
# PyICU (collation) builds against ICU: headers and a compiler for the build, the ICU library stays
RUN apt-get update && apt-get install -y --no-install-recommends libicu-dev pkg-config g++ \
    && pip install -r requirements.lock \
    && apt-get purge -y g++ && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md babel.cfg ./
COPY portal ./portal
COPY search ./search
COPY locales ./locales
COPY static ./static
COPY scripts ./scripts
RUN pip install --no-deps . && python scripts/i18n.py compile \
 && useradd --system --uid 10001 --home /app portal && mkdir -p /app/var && chown -R portal /app/var
USER portal
ENV PORTAL_ENV=production
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["sh", "-c", "portal bootstrap && portal serve --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-2}"]
