"""The console's JSON (`/console/api/...`), one module per feature; its pages call the same
core functions."""
