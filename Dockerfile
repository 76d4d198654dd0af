# Mezame's image for docker-compose.yml: the same code runs web (gunicorn), worker and beat.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# WeasyPrint needs Pango; PDFs in Japanese need CJK fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/mezame
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
# Static files are collected at build time; the key is only needed to import the settings.
RUN DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=build-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput
RUN useradd --system --home /srv/mezame mezame && mkdir -p /srv/mezame/media && chown -R mezame /srv/mezame/media
USER mezame
EXPOSE 8000
