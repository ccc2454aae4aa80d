#!/usr/bin/env bash
# `make run`: install, migrate, load the demo (idempotent) and serve on 127.0.0.1:8000.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-portal.settings.dev}"
ADDR="${BANCHENG_RUN_ADDR:-127.0.0.1:8000}"

bash scripts/venv.sh
mkdir -p var
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py load_demo
echo
echo "办成 is starting on http://$ADDR"
echo "  public site:    http://$ADDR/"
echo "  Wagtail admin:  http://$ADDR/admin/   (demo logins above)"
echo
exec .venv/bin/python manage.py runserver "$ADDR"
