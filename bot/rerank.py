"""Semantic confirmation of the lexical decision: answer what it only suggested, doubt the rest.

Lexical and embedding signals fail on different questions: a paraphrase in words the FAQ
never uses ("my kin got locked up") shares few terms with its entry but sits close to it in
embedding space; a look-alike about another country shares many terms and sits far. So the
lexical matcher keeps choosing the candidates, and the embedding only decides between them:

- candidates are weighed by a blend of both: the lexical score plus `blend` times the cosine;
- a suggestion is answered outright when the embedding puts the best-blended candidate
  closest of the whole FAQ (out-of-scope blocks included), confidently and with a clear lead;
- an answer is given to another of the lexical candidates when its blend beats the
  answer's by `swap` and no out-of-scope block is closer to the question: lexical scores of
  near twins differ by a shared word, cosines by what the question means. The reply then
  carries that entry's own lexical score, which may be under the answer threshold;
- an answer whose entry the embedding finds far from the question is only offered;
- suggestions are shown in blended order.

A look-alike sits close to an entry too when only one word differs ("is Kim Jong Un
married" and "who is Kim Jong Un"). That word is usually one the FAQ never uses, so the
embedding may turn a question into an answer only while few of its words are new to the FAQ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bot.matcher import Candidate
from bot.reply import Outcome
from bot.scope import is_out_of_scope

__all__ = ["SemanticThresholds", "rerank"]


@dataclass(frozen=True, slots=True)
class SemanticThresholds:
    """When the embedding may overrule the lexical decision (tuned by `bench.semantic`).

    Attributes:
        confirm: Lowest cosine at which a suggested candidate is answered outright.
        lead: The cosine lead it needs over every other entry and out-of-scope block.
        rescue: Lowest cosine at which a candidate below the suggest threshold is answered
            (above 1: never).
        veto: An answer whose entry's best cosine is below this is only offered.
        pool: How many lexical candidates the embedding may choose from.
        novel: The largest share of the question's content words that the FAQ never uses
            at which the embedding may still answer (0: every word must be the FAQ's own).
        blend: How much an entry's cosine counts beside its lexical score (its weight in
            lexical score + blend * cosine, by which candidates are weighed and ordered).
        swap: How far another lexical candidate's blend must beat the lexical answer's for
            that candidate to be answered instead (inf: never).
    """

    confirm: float = 0.65
    lead: float = 0.1
    rescue: float = 0.65
    veto: float = 0.4
    pool: int = 3
    novel: float = 0.0
    blend: float = 1.5
    swap: float = 0.05


def rerank(
    outcome: Outcome,
    chosen: list[Candidate],
    ranked: list[Candidate],
    similarity: dict[str, float],
    thresholds: SemanticThresholds,
    suggest: float,
    *,
    novelty: float,
) -> tuple[Outcome, list[Candidate]]:
    """Confirm or overrule a lexical decision with embedding similarities.

    Args:
        outcome: The lexical outcome.
        chosen: Its candidates (the answer, or the suggestions).
        ranked: Every real entry the lexical matcher ranked, best first.
        similarity: Best cosine per entry id, out-of-scope pseudo-entries included.
        thresholds: When the embedding may overrule.
        suggest: The lexical suggest threshold (what counts as worth offering).
        novelty: Share of the question's content words that the FAQ never uses.

    Returns:
        The outcome and its candidates, as `bot.service.decide` returns them.
    """
    if not similarity:
        return outcome, chosen
    lexical = {c.entry_id: c.score for c in ranked}

    def blended(entry_id: str) -> float:
        return lexical.get(entry_id, 0.0) + thresholds.blend * similarity.get(entry_id, -1.0)

    if outcome is Outcome.ANSWER:
        answer = chosen[0].entry_id
        if similarity.get(answer, 0.0) < thresholds.veto:
            offered = [c for c in ranked[:3] if c.score >= suggest]
            return Outcome.SUGGEST, sorted(offered, key=lambda c: -blended(c.entry_id))
        rivals = [c for c in ranked if c.entry_id != answer and not is_out_of_scope(c.entry_id)]
        if rivals and math.isfinite(thresholds.swap):
            rival = max(rivals, key=lambda c: blended(c.entry_id))
            block = max((s for e, s in similarity.items() if is_out_of_scope(e)), default=-1.0)
            ahead = blended(rival.entry_id) - blended(answer) >= thresholds.swap
            if ahead and similarity.get(rival.entry_id, -1.0) > block:
                return outcome, [rival]
        return outcome, chosen
    pool = [c for c in ranked[: thresholds.pool] if c.score > 0]
    if pool and novelty <= thresholds.novel:
        best = max(pool, key=lambda c: blended(c.entry_id))
        cosine = similarity.get(best.entry_id, -1.0)
        others = [s for e, s in similarity.items() if e != best.entry_id]
        lead = cosine - max(others, default=-1.0)
        floor = thresholds.confirm if best.score >= suggest else thresholds.rescue
        if cosine >= floor and lead >= thresholds.lead and not is_out_of_scope(best.entry_id):
            return Outcome.ANSWER, [best]
    if outcome is Outcome.SUGGEST:
        return outcome, sorted(chosen, key=lambda c: -blended(c.entry_id))
    return outcome, chosen
