"""Demo content: the seed article (load) and a generated archive (generate)."""
