"""What shape of answer a question wants, read from its words (English or French):

- **fact**: who, what, which, when, how much, why, how… one fact, answered in the words of the
  passage that holds it;
- **subject**: a name or theme ('What did we write about Nvidia?', 'Parle-moi de Mistral', 'Nvidia
  et Groq', bare keywords): what the archive said of it, and when, one line per item;
- **list**: several items that each answer it ('Which companies…?', 'Quels modèles…', 'Compare…').
"""

from __future__ import annotations

import re

from indexer.text.lexical import fold

SHAPES = ("fact", "subject", "list")

# Asking what the archive said of something, rather than asking a fact.
_SUBJECT = re.compile(
    r"^(?:what|what's)\s+(?:did|does|do|has|have)\s+(?:we|you|the newsletter|ai brew|the archive|it)\s+"
    r"(?:write|written|say|said|report|reported|cover|covered|publish|published|mention|mentioned)\b"
    r"|^(?:tell me|talk|give me (?:the )?news|news|anything|everything|updates?|latest)\b.*\b(?:about|on|regarding)\b"
    r"|^what about\b|^(?:any )?(?:news|updates?) (?:about|on)\b|^(?:all|everything) (?:about|on)\b"
    r"|^(?:qu'a-t-on|qu'avons-nous|qu'est-ce qu'on a|qu'est-ce que (?:la newsletter|l'archive|vous|nous|on) a|"
    r"qu'a (?:dit|ecrit|publie|raconte) (?:la newsletter|l'archive)|que (?:dit|raconte) (?:la newsletter|l'archive))"
    r"|^(?:parle(?:z)?[- ]moi|parlez-nous|raconte(?:z)?[- ]moi|dis[- ]m'en plus|quoi de neuf|tout sur|"
    r"les (?:actus?|actualites|nouvelles)|actus?|actualites?|nouvelles)\b"
)
# Asking for several items: a plural after which / quels, a list, a comparison.
_LIST = re.compile(
    r"^(?:which|what)\s+(?!is\b|was\b|are\b|were\b|does\b|did\b|do\b|has\b|have\b|kind\b|sort\b|type\b)[a-z-]+s\b"
    r"|^(?:quels|quelles|lesquels|lesquelles)\b|^(?:list|liste|name|cite|enumere|compare|comparez|comparer)\b"
    r"|\b(?:vs\.?|versus)\b|\b(?:differences?|compared?)\s+(?:between|entre|with|avec)\b|^(?:top|les meilleurs|the best)\s+\d"
)
_QUESTION = re.compile(
    r"\?|^(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|did|does|do|has|have|can|could|will|would|should|"
    r"qui|que|qu'|quoi|quel|quels|quelle|quelles|quand|ou|pourquoi|comment|combien|est-ce|y a-t-il)\b"
)


def subject_part(question: str) -> str:
    """The question without the words that open an ask about the archive ('Qu'a-t-on écrit sur
    Mistral ?' -> ' écrit sur mistral ?'), folded."""
    text = fold(question).replace("’", "'").strip(" ¿¡\"«“")
    match = _SUBJECT.search(text)
    return text[match.end():] if match is not None and match.start() == 0 else text


def shape_of(question: str, *, names: tuple[str, ...] = (), relations: tuple[str, ...] = (), asks: tuple[str, ...] = (),
             amounts: int = 0, content: tuple[str, ...] = ()) -> str:
    """'fact', 'subject' or 'list' (see the module's docstring). Bare keywords ask about a subject when
    they are only names ('Nvidia et Groq') or a short theme without names ('robots humanoïdes'); with
    other words beside names ('DeepSeek OCR compression ratio'), a relation, a fact or an amount
    ('Nvidia buys Groq', 'price of GPT-5') they ask a fact. `content`: the question's words that are
    not stop words, folded."""
    text = fold(question).replace("’", "'").strip(" ¿¡\"«“")
    if _SUBJECT.search(text):
        return "subject"
    if _LIST.search(text):
        return "list"
    if _QUESTION.search(text) or relations or asks or amounts:
        return "fact"
    named = {part for name in names for part in re.split(r"[\s.-]+", name) if part}
    others = [w for w in content if w not in named]
    if (names and not others) or (not names and len(content) <= 3):
        return "subject"
    return "fact"
