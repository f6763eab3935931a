"""Serve Rutas on the bundled data: ``python app.py`` (127.0.0.1:8050, debug off).

For gunicorn: ``gunicorn -c gunicorn.conf.py app:server`` (threaded workers, timeouts: see the README).
"""

from __future__ import annotations

import sys

from dashboard import create_app
from dashboard.config import Settings
from dashboard.data.database import DatabaseUnavailable, SchemaOutdated
from dashboard.data.schema import DataFileError


def _load():
    try:
        settings = Settings.from_env()
        return settings, create_app(settings)
    except (DataFileError, ValueError, SchemaOutdated, DatabaseUnavailable) as error:
        sys.stderr.write(f"Rutas cannot start: {error}\n")
        raise SystemExit(2) from None


settings, app = _load()
server = app.server

if __name__ == "__main__":
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
