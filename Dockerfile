# Production image: slim Python, the runtime lock only (no test tools), the portal as a built wheel
# (templates, static files, compiled catalogues and rulesets inside it), non-root, healthcheck.
# Built elsewhere (CI machines have no Docker daemon); tests/test_wheel.py proves the same wheel serves.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY portal ./portal
COPY search ./search
COPY locales ./locales
COPY static ./static
RUN pip wheel --no-deps -w /dist .

FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY requirements.lock ./
# PyICU (collation) builds against ICU: headers and a compiler for the build; the ICU library stays
RUN apt-get update && apt-get install -y --no-install-recommends libicu-dev pkg-config g++ \
 && pip install -r requirements.lock \
 && apt-get purge -y g++ && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
COPY --from=build /dist/*.whl /tmp/
RUN pip install --no-deps /tmp/*.whl && rm /tmp/*.whl \
 && useradd --system --uid 10001 --home /app portal && mkdir -p /app/var/uploads && chown -R portal /app/var
USER portal
# PORTAL_SECRET_KEY has no default: production refuses to start without it.
ENV PORTAL_ENV=production PORTAL_VAR_DIR=/app/var
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["sh", "-c", "portal bootstrap && portal serve --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY:-2}"]
