"""Which sentences of a newsletter can stand in an answer: pure tests on one sentence.

- `is_noise`: not prose at all (too short, a byline or date line, a source or link line);
- `is_filler`: prose that says nothing about any subject ("Et quelques autres actus IA croustillantes",
  "Voici ce qu'il faut retenir :"), or points at a picture the reader will not see;
- `is_teaser`: a line that makes the reader want to read on rather than telling anything (it asks
  a question, trails off, points onward, or exclaims in a few words);
- `needs_antecedent`: opens on a word that refers back ("L'entreprise a engagé…", "It also…"), so
  it cannot be quoted without what came before it.
"""

from __future__ import annotations

import re

from indexer.text.lexical import fold

_URL = re.compile(r"https?://|www\.\w", re.IGNORECASE)
_BYLINE = re.compile(r"^(?:sources?|source\s*:|lire|read (?:more|the)|par|by|via|cr[ée]dits?|photo|image|illustration|publi[ée]|posted|mis à jour|updated)\b", re.IGNORECASE)
_MONTHS = ("janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|"
           "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_DATE = re.compile(rf"\b\d{{1,2}}(?:er)?\s+(?:{_MONTHS})\.?\s+\d{{4}}\b|\b(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b", re.IGNORECASE)
_SEPARATOR = re.compile(r"\s[•|·–—]\s|\s[•|·]|[•|·]\s")
_COUNT_OF_SOURCES = re.compile(r"\b\d+\s+(?:sources?|articles?|liens?|links?)\b", re.IGNORECASE)

# Newsletter patter: announcing, greeting, listing, signing off, pointing at pictures (folded).
_FILLER = re.compile(
    r"\b(?:quelques autres|autres actus?|autres nouvelles|en vrac|a suivre|bonne lecture|bonne semaine|on en parle|"
    r"on vous (?:dit|explique|raconte)|voici (?:ce qu|les|le|la|l'essentiel|nos|notre)|decouvrez|au programme|"
    r"cette semaine dans|dans ce numero|ne manquez pas|abonnez|inscrivez|partagez|rendez-vous|"
    r"here(?:'s| is| are) (?:what|the|our)|let'?s dive|stay tuned|in this issue|don'?t miss|subscribe|sign up|"
    r"other (?:ai )?news|quick hits|in other news|that'?s (?:it|all) for)\b"
)
_PICTURE = re.compile(
    r"\b(?:ci-dessous|ci-dessus|en photo|en image|sur (?:la|cette) (?:photo|image)|capture d'ecran|"
    r"pictured|below|above|screenshot|in the (?:photo|image|picture)|see (?:the )?(?:photo|image|picture))\b"
    r"|\((?:photo|image|illustration|credit|credits)\b|^(?:photo|image|illustration)\s*[:\-–]"
)
# Words that open a sentence by referring back to something said before.
_BACK = re.compile(
    r"^(?!il y a\b)(?:il|elle|ils|elles|ce|cet|cette|ces|cela|ca|celui-ci|celle-ci|ceux-ci|celles-ci|"
    r"l'entreprise|la societe|le groupe|la startup|la start-up|l'outil|le modele|la firme|le geant|"
    r"de son cote|selon lui|selon elle|en outre|de plus|par ailleurs|lui|leur|"
    r"it|its|they|their|this|these|those|he|she|his|her|the company|the firm|the startup|the tool|the model|"
    r"the move|the deal|also|meanwhile)\b"
)


def is_noise(sentence: str) -> bool:
    """A line that is not an answer: too short, a byline or date line, a source or link line."""
    words = sentence.split()
    letters = sum(c.isalpha() for c in sentence)
    if len(words) < 4 or letters < 0.6 * len(sentence.replace(" ", "")):
        return True
    if _URL.search(sentence) or _BYLINE.match(sentence.strip(" -–—*•#>")) or _COUNT_OF_SOURCES.search(sentence):
        return True
    if _SEPARATOR.search(sentence) and len(words) < 12:
        return True
    return bool(_DATE.search(sentence)) and len(_DATE.sub(" ", sentence).split()) < 6


def is_filler(sentence: str) -> bool:
    """Prose that tells nothing of a subject: an announcement, a greeting, a list's lead-in ending on
    a colon, or a sentence about a picture that is not shown."""
    text = fold(sentence.strip(" -–—*•#>"))
    if text.endswith(":") or _PICTURE.search(text):
        return True
    return bool(_FILLER.search(text)) and len(text.split()) < 20


_POINTING = re.compile(r"[→⟶➡➜👉⬇]|>>|\.\.\.$|…$")


def is_teaser(sentence: str) -> bool:
    """A teaser, judged by its form rather than its words: it asks ('Et si l'IA pouvait… ?'),
    trails off or points onward ('La suite ici →'), or exclaims in under eight words ('À vos
    claviers !'). A fact is told in a statement."""
    text = sentence.strip(" -–—*•#>\"«»“”'")
    if not text:
        return False
    if text.endswith("?") or _POINTING.search(text):
        return True
    return text.endswith("!") and len(text.split()) < 8


def needs_antecedent(sentence: str) -> bool:
    """Whether a sentence opens on words that refer back to an earlier one ("L'entreprise a engagé…")."""
    return bool(_BACK.match(fold(sentence.strip(" -–—*•#>\"«“")).replace("’", "'")))
