"""Pure figure builders: columns in, plotly Figures out. No dash import."""
