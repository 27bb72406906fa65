"""Archive sync: bring the newsletter's published issues into `archive/`, one file per issue.

`run.sync_archive(sources, archive)` fetches every source (a feed, the beehiiv API, a posts CSV
export, public post pages), writes new and edited posts as HTML files with a `.meta.yaml`
sidecar, and returns a `SyncReport`. Modules: `sources` (source specs and the config file),
`feed`, `beehiiv`, `csvfile`, `pages` (one per kind), `http` (the client: timeouts, retries),
`post` (body cleaning and rendering), `files` (atomic writes, the manifest, the lock), `run`
(the sync itself), `summary` (the report). Nothing is loaded at import.
"""
