"""Pure functions returning Dash component trees; no callbacks here."""
