"""Docs side: markdown specs and the SpecWeave layout -> documented surface (DESIGN §4).

``parse.parse_spec(path, text) -> SpecFile`` is a pure function of one file's text, so its
result (plain JSON through ``SpecFile.to_json``) can be cached by blob id like code facts
(key it with ``parse.cache_version()``). ``select`` decides which repository paths are
specs and which are increments' ``metadata.json``; ``parse.parse_metadata`` reads one and
``parse.build`` joins everything into a ``SpecSurface``.
"""
