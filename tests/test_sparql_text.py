"""The one lexer's helpers that rewrite query text: they act on tokens, so a variable's name
inside a string, an IRI or a comment is never rewritten (a regex over the text would)."""

from __future__ import annotations

from comgraph.sparql_text import is_one_pattern_select, split_prologue, substitute_variables


def test_substitute_variables_rewrites_only_variable_tokens() -> None:
    text = 'SELECT $this WHERE { $this <urn:x$this> "$this" . ?thisOther ?this } # $this'
    assert substitute_variables(text, {"this": "?focus"}) == (
        'SELECT ?focus WHERE { ?focus <urn:x$this> "$this" . ?thisOther ?focus } # $this')


def test_split_prologue_reads_every_prefix_including_the_empty_one_and_skips_comments() -> None:
    prefixes, rest = split_prologue('PREFIX cg: <https://x#>\n# why\nprefix : <http://d/>\n'
                                    'SELECT ?s WHERE { ?s cg:a "PREFIX no: <urn:no>" }')
    assert prefixes == {"cg": "https://x#", "": "http://d/"}
    assert rest == 'SELECT ?s WHERE { ?s cg:a "PREFIX no: <urn:no>" }'


def test_one_pattern_select_needs_distinct_variables_and_one_pattern() -> None:
    assert is_one_pattern_select("SELECT * WHERE { ?s ?p ?o } LIMIT 5")
    assert not is_one_pattern_select("SELECT * WHERE { ?s ?s ?o }")
    assert not is_one_pattern_select("SELECT * WHERE { ?s ?p ?o . ?o ?q ?r }")
