"""Reading words and sentences, for documents and questions alike: folding, tokenising and
stemming (`lexical`), the bilingual lexicon, sentence spans, what counts as prose or filler, and
the `Query` (a question read once). Takes plain strings; gives tokens, spans and `Query` records.
The bottom floor: imports only the shared records (`indexer.records`, `errors`, `config`), never
another stage.
"""
