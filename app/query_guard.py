"""Refuse, before evaluation, what would make a server reach outside the store or crash an engine.

``SERVICE`` and ``LOAD`` make pyoxigraph (and most engines) send real HTTP requests, and there
is no switch to turn that off; ``FROM`` / ``FROM NAMED`` on an IRI that is not a graph in the
store makes some engines dereference it; about 1,000 nested groups overflow the Oxigraph
server's stack. So the endpoint refuses them with a 400 that names the clause, unless the
configuration allows them.

Every refusal is decided on a real parse of the very text that will be executed
(:mod:`comgraph.sparql_parse`: rdflib's parser in helper processes, within the operation's time
limit), never on a scan of it. The one shortcut is sound by construction: when none of the words
SERVICE, LOAD and FROM occurs anywhere in the text, in any letter case, after ``\\u`` escapes are
decoded (as the engine decodes them first), and the text holds fewer opening brackets of any kind
than the nesting limit, no parse can find a reason to refuse, so none runs. Anything else is
parsed, and what cannot be parsed is refused.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from comgraph.app.protocol import ProtocolError

from comgraph.sparql_parse import MAX_NESTING, ParseRefused, pool
from comgraph.sparql_text import memo_short_texts

_RISKY_LOWER = ("service", "load", "from")
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def check_request(sparql: str, *, update: bool, known_graphs: Callable[[], set[str]],
                  deadline: float, base_iri: str | None = None,
                  allow_service: bool = False, allow_load: bool = False,
                  allow_remote_from: bool = False) -> None:
    """Raise ProtocolError(400) when the operation would reach outside the store, is nested
    too deeply, or cannot be parsed before ``deadline`` (a ``time.monotonic()`` value)."""
    if not needs_parse(sparql):
        return
    kind = "update" if update else "query"
    try:
        outline = pool().outline(decode_codepoints(sparql), update=update, deadline=deadline,
                                 base=base_iri)
    except ParseRefused as refused:
        if refused.kind == "unavailable":
            raise ProtocolError(503, f"the {kind} could not be checked: {refused.message}") from None
        if refused.kind == "syntax":
            raise ProtocolError(400, f"malformed {kind}: {refused.message}") from None
        if refused.kind == "time":
            limit = max(deadline - time.monotonic(), 0)
            raise ProtocolError(400, f"the {kind} was refused: {refused.message}"
                                     + (f" ({limit:.1f} s were left)" if limit else "")) from None
        raise ProtocolError(400, f"the {kind} was refused: {refused.message}") from None
    if outline.services and not allow_service:
        raise ProtocolError(400, f"SERVICE <{outline.services[0]}> is refused: this endpoint does "
                                 "not make requests to other endpoints (federated query is off)")
    if outline.loads and not allow_load:
        raise ProtocolError(400, f"LOAD <{outline.loads[0]}> is refused: this endpoint does not "
                                 "fetch data from the network; use the Graph Store Protocol "
                                 "(PUT or POST /data) to send data")
    if (outline.from_default or outline.from_named) and not allow_remote_from and not update:
        graphs = known_graphs()
        for which, iris in (("FROM", outline.from_default), ("FROM NAMED", outline.from_named)):
            for iri in iris:
                if iri not in graphs:
                    raise ProtocolError(400, f"{which} <{iri}> is refused: it is not a graph in "
                                             "this store, and this endpoint does not fetch "
                                             "graphs from the network")


@memo_short_texts
def needs_parse(sparql: str) -> bool:
    """Whether a parse could find a reason to refuse ``sparql``: one of SERVICE, LOAD and FROM
    occurs somewhere in it (in any letter case, after ``\\u`` escapes are decoded), or it has
    as many opening brackets as the nesting limit. Memoised: it depends on the text alone, and
    it only ever says "parse"; the verdict comes from the parse, on every request."""
    text = decode_codepoints(sparql)
    lowered = text.lower()
    if any(word in lowered for word in _RISKY_LOWER):
        return True
    return text.count("{") + text.count("(") + text.count("[") >= MAX_NESTING


def decode_codepoints(text: str) -> str:
    r"""Decode ``\uXXXX`` and ``\UXXXXXXXX`` everywhere, as SPARQL does before it parses
    (``\u0053ERVICE`` is ``SERVICE``). An escape of no Unicode scalar value (past U+10FFFF, or
    a surrogate) is a 400 that says where it is."""
    if "\\u" not in text and "\\U" not in text:
        return text

    def decode(match: re.Match[str]) -> str:
        value = int(match.group(1) or match.group(2), 16)
        if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
            line = text.count("\n", 0, match.start()) + 1
            column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
            raise ProtocolError(400, f"malformed operation at line {line}, column {column}: "
                                     f"{match.group()} is not a Unicode character (code points "
                                     "go up to U+10FFFF, surrogates excluded)")
        return chr(value)

    return _CODEPOINT.sub(decode, text)
