"""The reader web app: `streamlit run search_app/app.py`.

`app.py` only lays out the page and keeps the session state; the logic is in small modules:
`loading` (the engine, cached and keyed on the index manifest), `filters`, `highlight`,
`timeline`, `conversation`, and `i18n` for every string the interface shows.
"""
