# Toppleder: one image for web (gunicorn), worker and beat (celery).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# libpq-dev + gcc: psycopg2 builds from source; Pango: WeasyPrint's PDFs; gettext: compilemessages;
# nodejs/npm: Punkt CSS, fonts and icons come from npm at build time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential libpq-dev libpq5 \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
        gettext nodejs npm \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --omit=dev --no-audit --no-fund

COPY . .
# Editable: the code runs from /app (templates, static, reference.yaml beside it), never a copy in site-packages.
RUN pip install -e .
ENV PYTHONPATH=/app

# Build-time only values: collectstatic and compilemessages need settings that load.
RUN DJANGO_DEBUG=false SECRET_KEY=build-only-not-used-at-runtime ALLOWED_HOSTS=localhost \
        python manage.py collectstatic --noinput --verbosity 0 \
    && DJANGO_DEBUG=false SECRET_KEY=build-only-not-used-at-runtime ALLOWED_HOSTS=localhost \
        python manage.py compilemessages --ignore=node_modules --ignore='locale/*/parts' --verbosity 0 \
    && useradd --system --uid 1000 --home /app toppleder \
    && mkdir -p /app/media && chown -R toppleder /app/media

USER toppleder
EXPOSE 8000
CMD ["gunicorn", "toppleder.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
