"""Every string the interface shows, in French (the default) and English.

Answers and passages are never translated: they stay as the archive wrote them."""

from __future__ import annotations

LANGUAGES = ("fr", "en")

STRINGS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "AI Brew — l'archive",
        "tagline": "Posez une question sur l'archive de la newsletter AI Brew, en français ou en anglais : "
        "la réponse cite les numéros d'où elle vient.",
        "english": "English",
        "view": "Affichage",
        "view.ask": "Question",
        "view.issues": "Numéros",
        "filters": "Filtres",
        "dates": "Période",
        "languages": "Langues",
        "lang.fr": "français",
        "lang.en": "anglais",
        "issues": "Numéros",
        "all.languages": "Toutes les langues",
        "all.issues": "Tous les numéros",
        "k": "Nombre de passages",
        "llm": "Réponse rédigée par le LLM",
        "index": "Index",
        "index.issues": "Numéros : {value}",
        "index.passages": "Passages : {value}",
        "index.model": "Modèle : {value}",
        "index.built": "Construit le : {value}",
        "ask": "Votre question sur l'archive…",
        "searching": "Recherche dans l'archive…",
        "loading": "Chargement du modèle et de l'index…",
        "sources": "Sources",
        "undated": "sans date",
        "open": "Ouvrir le numéro",
        "link": "Lire en ligne",
        "via_llm": "Réponse rédigée par le LLM à partir des passages cités.",
        "extractive": "Phrases tirées de l'archive, chacune citée.",
        "filtered": "Filtres appliqués : {filters}",
        "not_found": "Rien trouvé dans l'archive sur ce sujet.",
        "not_found.hint": "Reformulez la question, ou retirez des filtres (période, langues, numéros) pour chercher plus large.",
        "llm_down": "Le LLM n'a pas pu répondre ; voici la réponse extraite de l'archive. ({notice})",
        "no_index": "Pas encore d'index dans « {folder} ». Construisez-le depuis la racine du projet avec :",
        "bad_index": "L'index ne peut pas être ouvert : {error}",
        "timeline": "Dans le temps",
        "timeline.help": "Passages pertinents par date de numéro. Sélectionnez une période sur le graphique (glisser) pour filtrer.",
        "timeline.empty": "Aucun passage pertinent à placer dans le temps.",
        "timeline.undated": "Sans date : {items}",
        "timeline.x": "Date du numéro",
        "timeline.y": "Passages",
        "timeline.issue": "Numéro",
        "period": "Période choisie sur le graphique : {start} → {end}",
        "period.clear": "Effacer la période",
        "archive": "Les numéros",
        "archive.count": "{n} numéros, du plus récent au plus ancien ; les numéros sans date à la fin.",
        "back.list": "← Retour à la liste",
        "back.answer": "← Retour à la réponse",
        "issue.number": "Numéro {number}",
        "issue.source": "Fichier : {source}",
    },
    "en": {
        "title": "AI Brew — the archive",
        "tagline": "Ask a question about the AI Brew newsletter archive, in French or English: "
        "the answer cites the issues it comes from.",
        "english": "English",
        "view": "View",
        "view.ask": "Question",
        "view.issues": "Issues",
        "filters": "Filters",
        "dates": "Period",
        "languages": "Languages",
        "lang.fr": "French",
        "lang.en": "English",
        "issues": "Issues",
        "all.languages": "All languages",
        "all.issues": "All issues",
        "k": "Number of passages",
        "llm": "Answer written by the LLM",
        "index": "Index",
        "index.issues": "Issues: {value}",
        "index.passages": "Passages: {value}",
        "index.model": "Model: {value}",
        "index.built": "Built: {value}",
        "ask": "Your question about the archive…",
        "searching": "Searching the archive…",
        "loading": "Loading the model and the index…",
        "sources": "Sources",
        "undated": "undated",
        "open": "Open the issue",
        "link": "Read online",
        "via_llm": "Answer written by the LLM from the cited passages.",
        "extractive": "Sentences taken from the archive, each cited.",
        "filtered": "Filters applied: {filters}",
        "not_found": "Nothing found in the archive about this.",
        "not_found.hint": "Rephrase the question, or remove filters (period, languages, issues) to search wider.",
        "llm_down": "The LLM could not answer; here is the answer taken from the archive. ({notice})",
        "no_index": "No index in “{folder}” yet. Build it from the project root with:",
        "bad_index": "The index cannot be opened: {error}",
        "timeline": "Over time",
        "timeline.help": "Relevant passages per issue date. Select a period on the chart (drag) to filter.",
        "timeline.empty": "No relevant passage to place in time.",
        "timeline.undated": "Undated: {items}",
        "timeline.x": "Issue date",
        "timeline.y": "Passages",
        "timeline.issue": "Issue",
        "period": "Period picked on the chart: {start} → {end}",
        "period.clear": "Clear the period",
        "archive": "The issues",
        "archive.count": "{n} issues, newest first; undated issues at the end.",
        "back.list": "← Back to the list",
        "back.answer": "← Back to the answer",
        "issue.number": "Issue {number}",
        "issue.source": "File: {source}",
    },
}


def t(key: str, lang: str = "fr", **values) -> str:
    """The interface string `key` in `lang` (French when unknown), with `values` filled in."""
    text = STRINGS.get(lang, STRINGS["fr"])[key]
    return text.format(**values) if values else text


def language_name(code: str | None, lang: str = "fr") -> str:
    """A passage's or issue's language code as the interface names it ('fr' -> 'français'); others as they are."""
    return t(f"lang.{code}", lang) if code in LANGUAGES else code or ""
