"""The reader web app: `streamlit run search_app/app.py`.

`app.py` only lays out the page and keeps the session state; the views are `answers` (landing,
conversation, not-found) and `browse` (issues, sites, more like this), drawn from `cards`; the
logic is in small modules: `loading` (the engine, cached and keyed on the index manifest),
`share` (URLs), `landing`, `domains`, `filters`, `highlight`, `timeline`, `conversation`,
`actions` (button callbacks), and `i18n` for every string the interface shows.
"""
