"""Providers do the model I/O: embedders, LLMs (later), rerankers (later)."""
