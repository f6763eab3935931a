"""Data layer: schema, bundled catalog, filters, stores. No dash import."""
