"""Refuse, before evaluation, the parts of SPARQL that make a server fetch from the network.

``SERVICE`` and ``LOAD`` make pyoxigraph (and most engines) send real HTTP requests, and there
is no switch to turn that off; ``FROM`` / ``FROM NAMED`` on an IRI that is not a graph in the
store makes some engines dereference it. So the endpoint refuses them with a 400 that names the
clause, unless the configuration allows them.

A quick look comes first: if none of the three words occurs anywhere in the text (in any letter
case, after ``\\u`` escapes are decoded), nothing more is done; if they occur only inside
strings, IRIs and comments, the query cannot use them and no parser runs (this keeps the cheap
path cheap). Otherwise rdflib's SPARQL parser builds the tree and the walk finds every
``ServiceGraphPattern``, ``Load`` and ``DatasetClause``, nested or not, in any letter case,
``SILENT`` or not. The quick look depends on the text alone and is memoised per text; the
check that follows it never is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from comgraph.app.protocol import ProtocolError, keywords, memo_short_texts, unescape_codepoints

_RISKY = {"SERVICE", "LOAD", "FROM"}
_RISKY_LOWER = tuple(word.lower() for word in _RISKY)


def check_request(sparql: str, *, update: bool, known_graphs: Callable[[], set[str]],
                  allow_service: bool = False, allow_load: bool = False,
                  allow_remote_from: bool = False) -> None:
    """Raise ProtocolError(400) when the request would reach outside the store."""
    found = risky_keywords(sparql)
    if not found:
        return
    text = unescape_codepoints(sparql)
    tree = _parse(text, update)
    for node in _walk(tree):
        name = getattr(node, "name", None)
        if name == "ServiceGraphPattern" and not allow_service:
            raise ProtocolError(400, f"SERVICE <{node.get('term')}> is refused: this endpoint does "
                                     "not make requests to other endpoints (federated query is off)")
        if name == "Load" and not allow_load:
            raise ProtocolError(400, f"LOAD <{node.get('iri')}> is refused: this endpoint does not "
                                     "fetch data from the network; use the Graph Store Protocol "
                                     "(PUT or POST /data) to send data")
    if "FROM" in found and not allow_remote_from and not update:
        _check_dataset(tree, known_graphs)


@memo_short_texts
def risky_keywords(sparql: str) -> frozenset[str]:
    """Which of SERVICE, LOAD and FROM occur in ``sparql`` as keywords (outside strings, IRIs
    and comments, after ``\\u`` escapes are decoded): the quick look.

    Memoised, since it depends on the text alone. What is memoised is only this look, never a
    verdict: a text that has one of the words is parsed and checked on every request, against
    the configuration and the store's graphs at that moment.
    """
    text = unescape_codepoints(sparql)
    lowered = text.lower()
    if not any(word in lowered for word in _RISKY_LOWER):
        return frozenset()  # none of the words occurs anywhere, so none occurs as a keyword
    return frozenset(word for word, *_ in keywords(text) if word in _RISKY)


def _parse(text: str, update: bool) -> Any:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        return parseUpdate(text) if update else parseQuery(text)
    except ParseException as exc:
        raise ProtocolError(400, f"malformed {'update' if update else 'query'} at line "
                                 f"{exc.lineno}, column {exc.col}: {exc.msg}") from None
    except Exception as exc:  # noqa: BLE001 - rdflib raises assorted errors on odd input
        raise ProtocolError(400, f"the {'update' if update else 'query'} could not be checked "
                                 f"for SERVICE, LOAD and FROM: {exc}") from None


def _check_dataset(tree: Any, known_graphs: Callable[[], set[str]]) -> None:
    from rdflib.plugins.sparql.algebra import translatePrologue

    prologue = translatePrologue(tree[0], None)
    query = tree[1]
    # rdflib leaves a non-list placeholder when there is no dataset clause at all
    clauses = [c for c in (query.get("datasetClause") or []) if isinstance(c, dict)]
    if not clauses:
        return
    graphs = known_graphs()
    for clause in clauses:
        which = "FROM NAMED" if "named" in clause else "FROM"
        iri = str(prologue.absolutize(clause["named"] if which == "FROM NAMED" else clause["default"]))
        if iri not in graphs:
            raise ProtocolError(400, f"{which} <{iri}> is refused: it is not a graph in this store, "
                                     "and this endpoint does not fetch graphs from the network")


def _walk(node: Any) -> Iterator[Any]:
    """Every node of rdflib's parse tree (CompValues are dicts, ParseResults are lists)."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)) or type(item).__name__ == "ParseResults":
            stack.extend(list(item))
