"""Parsers for published watchlist files: one module per file format.

Every module exposes ``parse(data: bytes, report: ParseReport | None = None) ->
Iterator[ListEntry]``. Parsers are pure: they take the raw bytes, do no I/O, raise
`watchlists.errors.ParseError` for a file that is not what its format promises, and
record what they repaired or dropped in the optional `ParseReport`.

    un_sc_xml   UN Security Council Consolidated List XML (source "un_sc")
"""
