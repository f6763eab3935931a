"""Settings: one frozen dataclass; every field has a default, an env var and a help line."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from enum import StrEnum

from dashboard.data.imports.base import SETTING_OF_LIMIT, ImportLimits


class Basemap(StrEnum):
    OFFLINE = "offline"  # bundled vector layers, no request leaves the server
    ONLINE = "online"  # Carto raster tiles (needs network)


def _setting(default: object, help_text: str) -> object:
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True)
class Settings:
    host: str = _setting("127.0.0.1", "Address to bind (RUTAS_HOST).")
    port: int = _setting(8050, "Port to serve on (RUTAS_PORT).")
    debug: bool = _setting(False, "Dash debug mode; never in production (RUTAS_DEBUG).")
    basemap: Basemap = _setting(Basemap.OFFLINE, "offline (bundled vectors) or online tiles (RUTAS_BASEMAP).")
    # 2,000: on a country-wide view more markers bury each other (cells read better) and every
    # filter change would send ~13 bytes per point.
    max_map_points: int = _setting(2_000, "Most events in view drawn as points; above it the map shows "
                                           "grid cells until you zoom in (RUTAS_MAX_MAP_POINTS).")
    table_page_size: int = _setting(50, "Rows per table page (RUTAS_TABLE_PAGE_SIZE).")
    data_dir: str = _setting("instance", "Where imported datasets are kept (RUTAS_DATA_DIR).")
    geodata_dir: str = _setting("", "Bundled data folder; empty = the repo's geodata/ (RUTAS_GEODATA_DIR).")
    secret_key: str = _setting("", "Flask secret key; set in production (RUTAS_SECRET_KEY).")
    max_export_rows: int = _setting(200_000, "Most events one data export (CSV, Excel, GeoJSON, ZIP pack) may "
                                              "hold; narrow the filters for more (RUTAS_MAX_EXPORT_ROWS).")
    public_url: str = _setting("", "Address users open the app at (e.g. https://rutas.example/), used in the "
                                   "permalinks of exports; empty: the address of each request whose host is "
                                   "allowed (RUTAS_PUBLIC_URL).")
    allowed_hosts: str = _setting("", "Comma-separated host[:port] names a request may arrive at for its address to "
                                      "go into permalinks when RUTAS_PUBLIC_URL is empty (an unlisted Host header "
                                      "gets http://127.0.0.1:<port>/); empty: 127.0.0.1, localhost, [::1] and "
                                      "RUTAS_HOST:RUTAS_PORT (RUTAS_ALLOWED_HOSTS).")
    frame_ancestors: str = _setting("", "Space- or comma-separated origins (https://intranet.example) whose pages may "
                                        "show the app in a frame; empty: no page may (RUTAS_FRAME_ANCESTORS).")
    database_url: str = _setting("", "PostgreSQL (with PostGIS) URL of a shared deployment, e.g. "
                                     "postgresql://rutas@db.example/rutas: events, datasets, stories and users live "
                                     "there; empty: the embedded default, files in RUTAS_DATA_DIR and events in memory "
                                     "(RUTAS_DATABASE_URL).")
    database_query_slots: int = _setting(2, "Shared deployment: store queries one worker process runs at once; the "
                                            "rest wait in the process. About the database server's cores: more makes "
                                            "every query share them (RUTAS_DATABASE_QUERY_SLOTS).")
    redis_url: str = _setting("", "Redis URL (redis://127.0.0.1:6379/0) of the result cache the workers share; empty "
                                  "or unreachable: each worker keeps its own (RUTAS_REDIS_URL).")
    public_read: bool = _setting(False, "Shared deployment: anyone may view, export and present without signing in; "
                                        "importing, editing and deleting still need an account (RUTAS_PUBLIC_READ).")
    trusted_proxies: int = _setting(0, "How many reverse proxies in front of the app append to X-Forwarded-For: the "
                                       "client's address (the sign-in cap counts per name and address) is read that "
                                       "many hops back; 0: the connection's own address (RUTAS_TRUSTED_PROXIES).")
    max_callback_request_bytes: int = _setting(8_000_000, "Largest request body a callback other than a file upload "
                                               "accepts, in bytes; a box or lasso selection on the map sends about "
                                               "160 bytes per event selected (RUTAS_MAX_CALLBACK_REQUEST_BYTES).")
    # Import limits, enforced on the server for uploads and the CLI alike; their defaults are
    # ImportLimits' and their names SETTING_OF_LIMIT's (declared once, in data/imports/base.py).
    max_upload_bytes: int = _setting(ImportLimits.max_upload_bytes, "Largest file an import accepts, in bytes "
                                                       "(RUTAS_MAX_UPLOAD_BYTES).")
    max_import_rows: int = _setting(ImportLimits.max_rows, "Most data rows in one imported file (RUTAS_MAX_IMPORT_ROWS).")
    max_fields_per_row: int = _setting(ImportLimits.max_fields_per_row, "Most fields in one row of an imported file "
                                            "(RUTAS_MAX_FIELDS_PER_ROW).")
    max_field_chars: int = _setting(ImportLimits.max_field_chars, "Longest field in an imported file, in characters "
                                            "(RUTAS_MAX_FIELD_CHARS).")
    max_vertices: int = _setting(ImportLimits.max_vertices, "Most vertices in one imported geometry (RUTAS_MAX_VERTICES).")
    max_kmz_uncompressed_bytes: int = _setting(ImportLimits.max_kmz_uncompressed_bytes, "Largest unpacked size of a KMZ, Excel workbook or Parquet table, "
                                                                  "in bytes (RUTAS_MAX_KMZ_UNCOMPRESSED_BYTES).")
    max_kmz_ratio: int = _setting(ImportLimits.max_kmz_ratio, "Highest compression ratio a KMZ or Excel workbook may have (RUTAS_MAX_KMZ_RATIO).")
    max_parse_seconds: float = _setting(ImportLimits.max_parse_seconds, "Longest time one import may spend parsing, in seconds "
                                               "(RUTAS_MAX_PARSE_SECONDS).")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read ``RUTAS_<FIELD>`` variables; a bad value raises ValueError naming the variable."""
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        for item in fields(cls):
            name = f"RUTAS_{item.name.upper()}"
            if name not in environ:
                continue
            raw = environ[name]
            try:
                if item.type in ("int", int):
                    values[item.name] = int(raw)
                elif item.type in ("float", float):
                    values[item.name] = float(raw)
                elif item.type in ("bool", bool):
                    if raw.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                        raise ValueError(raw)
                    values[item.name] = raw.lower() in {"1", "true", "yes"}
                elif item.name == "basemap":
                    values[item.name] = Basemap(raw)
                else:
                    values[item.name] = raw
            except ValueError as error:
                raise ValueError(f"{name}={raw!r} is not valid: {item.metadata['help']}") from error
        return cls(**values)


def import_limits(settings: Settings) -> ImportLimits:
    """The import limits a deployment set."""
    return ImportLimits(**{limit: getattr(settings, setting_field(variable))
                           for limit, variable in SETTING_OF_LIMIT.items()})


def allowed_hosts(settings: Settings) -> tuple[str, ...]:
    """The ``host[:port]`` entries a request's Host header must match (``RUTAS_ALLOWED_HOSTS``, else
    the loopback names at any port and the bind address at its port)."""
    listed = tuple(entry.strip() for entry in settings.allowed_hosts.split(",") if entry.strip())
    if listed:
        return listed
    bind = f"[{settings.host}]" if ":" in settings.host else settings.host
    return ("127.0.0.1", "localhost", "[::1]", f"{bind}:{settings.port}")


def local_base_url(settings: Settings) -> str:
    """Where permalinks point when neither RUTAS_PUBLIC_URL nor an allowed request says: this machine."""
    return f"http://127.0.0.1:{settings.port}/"


def setting_field(variable: str) -> str:
    """The Settings field an environment variable sets: RUTAS_MAX_IMPORT_ROWS → max_import_rows."""
    return variable.removeprefix("RUTAS_").lower()


def settings_help() -> dict[str, str]:
    """Env var name → help text, for the README check."""
    return {f"RUTAS_{f.name.upper()}": f.metadata["help"] for f in fields(Settings)}
