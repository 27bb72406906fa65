"""From hits to what the reader reads: the evidence in one passage (`evidence`), the three-outcome
decision (`found`, with `found_rule.json`; `related`), answers shaped like the question (`shaped`:
the fact answer in `answer`, digests in `digest`, the quoted sentences in `quotes`), citations and
the LLM path (`llm`). Takes a `Query` and `Hit`s; gives an `Answer`. Imports the stages below it;
never `measure` or `sync`.
"""
