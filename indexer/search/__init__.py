"""Finding passages in a published index: open it (`index`), hybrid retrieval (`retrieve`), rank
fusion as pure functions (`fusion`), more like this (`similar`). Takes a `Query`; gives `Hit`
records. Imports `text`, `read` and `build`; never `answer`, `measure` or `sync`.
"""
