FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# postgresql-client: pg_dump/pg_restore for manage.py backup/restore, the major version of the
# postgres:15 service (Debian bookworm's).
RUN apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
    postgresql-client \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Collect in production mode so the manifest storage writes staticfiles.json (without it every
# {% static %} is a 500 with DEBUG off). The key only lets settings load; it is thrown away.
RUN SMARTZONE_ENV=production \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "smartzone.asgi:application"]
