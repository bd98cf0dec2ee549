"""Renderers turn a Survey into text (README, BibTeX, ...). They are pure and deterministic."""
