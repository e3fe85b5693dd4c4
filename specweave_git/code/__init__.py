"""Code side: tree-sitter parsing of TS/TSX/JS/Python into the surface model (DESIGN §4).

Pipeline, per file then per repository:

1. ``analyze(path, source) -> facts``: a pure function of one file's bytes, returning a
   JSON-serialisable dict (``js_analyzer.analyze`` / ``py_analyzer.analyze``). Facts are
   cached by blob id (``cache.py``), so a file is parsed once per content, ever.
2. ``link(all facts) -> Surface``: cheap, cross-file: follows re-exports to the declaring
   file, mounts routers under their prefixes, resolves constants imported from other
   files. Never parses.
"""
