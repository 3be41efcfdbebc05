"""Shared test set-up: headless plotting, so tests run without a display."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
