"""The safety check's rules: plain data, each rule named (see `bot.safety` for how they apply).

Changing what gets the safety reply means editing this table; add the example to
`tests/test_knowledge.py` and to the README's table of where the line runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ALIASES",
    "FIRST_PERSON",
    "HANGUL",
    "KO_CONTEXT",
    "KO_ESCAPE",
    "KO_MOVE",
    "KO_SELF",
    "NK_CONTEXT",
    "RULES",
    "VISITOR",
    "VOCABULARY",
    "Rule",
]

# Key words, repaired when misspelt ("escpae", "brokr"). Inflections and look-alikes are
# listed so that they stay as typed ("defectors" is not "defect", "bride" is not "bribe").
VOCABULARY = frozenset(
    """
    escape escaped escapes escaping escapee defect defected defecting defector defectors
    leave leaves leaving flee fleeing broker brokers smuggler smugglers trafficker bribe
    bribing border crossing cross crossed hide hiding korea korean guards police route
    family mother father brother sister parents want help passport papers documents forged
    china pyongyang river tumen yalu safest fastest cheapest please bride brides guard
    guarded plan planning
    """.split()
)
ALIASES = {
    "u": "you",
    "2": "to",
    "ur": "your",
    "r": "are",
    "m": "am",
    "n": "and",
    "wanna": "want to",
    "gonna": "going to",
    "tryna": "trying to",
    "gotta": "have to",
    "pls": "please",
    "plz": "please",
    "halp": "help",
    "hw": "how",
    "nk": "north korea",
}

_NK = (
    r"(?:north korea\w*|dprk|pyongyang|the north|tumen|yalu|the border|the river|hyesan|"
    r"sinuiju|musan|hoeryong|chongjin|hamhung|wonsan|kaesong|rason|nampo)"
)
_FIRST = r"(?:i|we|me|us|myself)"
_KIN = (
    r"(?:family|families|mother|mom|mum|father|dad|parents?|brothers?|sisters?|siblings?|sons?|"
    r"daughters?|children|kids?|child|wife|husband|grand\w+|aunt|uncle|cousins?|niece|nephew|"
    r"relatives?|friends?|boyfriend|girlfriend|partner|fiance\w*|baby|loved ones)"
)
_MY_KIN = rf"(?:(?:my|our)(?: \w+)? {_KIN}|a friend(?: of (?:mine|ours))?)"
_BRIDGE = (
    r"(?:want|wants|need|needs|have|has|plan|planning|planned|am|are|is|was|were|be|been|"
    r"going|will|would|should|shall|could|can|must|may|might|try|trying|tried|to|like|"
    r"hope|hoping|decided|thinking|think|about|of|dream|ready|just|really|finally|still|"
    r"also|do|does|did|safely|secretly|somehow|get|help|me|us|him|her|them|able|allowed|"
    r"for|ever|please|how|when|if|and|caught|not|never)"
)
_VERB = (
    r"(?:escap(?!ee)\w*|flee\w*|fled|defect(?!or|ion)\w*|leav(?!ers?\b)\w*|exit\w*|emigrat\w*|"
    r"run away|ran away|"
    r"get (?:\w+ )?out|got out|break out|sneak \w*out|slip out|cross\w*|swim across|"
    r"make it (?:out|across)|rescue\w*|get (?:to|into) (?:china|south korea|seoul)|out\b|"
    r"(?:walk|run|swim)\w* (?:across|over)|swim\w* the river|(?:climb|jump)\w* (?:over|the fence)|"
    r"get (?:across|over|past)|join (?:him|her|them|(?:my|our) \w+))"
)
# What may follow a verb that has no object of its own ("i want to leave now").
_BARE = re.compile(
    r"(?: (?:now|soon|safely|alone|tonight|today|secretly|please|here|this country|with "
    r"my \w+|and|but|so|what|how|help|asap|too|already|from here|out of here|of here))*"
    r"(?: (?:without|if|because|before|when|unless|or|with)\b.*)?$"
)
VISITOR = re.compile(r"\b(?:touris\w*|tours?|visit\w*|vacation|holiday|trip|visas?|foreigners?)\b")
FIRST_PERSON = re.compile(r"\b(?:i|me|my|we|us|our|myself)\b")
NK_CONTEXT = re.compile(rf"\b{_NK}\b|defect|\b(?:into|to|across to) china\b")


@dataclass(frozen=True, slots=True)
class Rule:
    """One transparent reason for the safety reply.

    Attributes:
        name: Said in logs and validation messages.
        pattern: Searched in the normalised question.
        context: The match counts only with a North Korea context, or when its verb has
            no other object ("i want to leave", not "i want to leave my job").
        visitor: The rule is off when the question is about visiting or visas (tourists
            are not at risk of defecting; they get the out-of-scope note instead).
        frame: Also needed somewhere in the question (who is asking, a request).
    """

    name: str
    pattern: re.Pattern[str]
    context: bool = False
    visitor: bool = False
    frame: re.Pattern[str] | None = None

    def applies(self, plain: str, *, nk: bool, visitor: bool) -> bool:
        """Tell whether this rule catches a normalised question."""
        if (self.visitor and visitor) or (self.frame and not self.frame.search(plain)):
            return False
        return any(
            not self.context or nk or _BARE.match(plain[found.end() :])
            for found in self.pattern.finditer(plain)
        )


def _rule(
    name: str, pattern: str, *, context: bool = False, visitor: bool = False, frame: str = ""
) -> Rule:
    return Rule(name, re.compile(pattern), context, visitor, re.compile(frame) if frame else None)


RULES = (
    _rule(
        "first-person intent to leave",
        rf"\b(?:{_FIRST}(?: and {_MY_KIN})?|{_MY_KIN}(?: who| that)?"
        rf"(?! (?:escaped|fled|defected|left|ran|got|crossed)\b))(?: {_BRIDGE}){{0,5}} {_VERB}",
        context=True,
        visitor=True,
    ),
    _rule(
        "someone they know wants to leave",
        rf"\b(?:someone|somebody|a person|people|friends?) (?:i|we) know (?:who |that )?(?:wants?|"
        rf"needs?|is planning|are planning|plans?|is trying|are trying|is going|hopes?) to {_VERB}",
        context=True,
    ),
    _rule(
        "says they are North Korean",
        r"\b(?:i|we) (?:am|are) (?:a |still |really |actually )*north koreans?\b|\b(?:i|we) "
        r"(?:am|are) (?:hiding|stuck|trapped|living illegally|undocumented) in china\b|"
        r"\bnorth koreans? here\b|\bas an? north korean\b|\b(?:i|we) (?:am|are) from north korea",
    ),
    _rule(
        "says they live in North Korea",
        rf"\b(?:i|we) (?:live|living|stay|staying|grew up|was born|were born|am stuck|am "
        rf"trapped) (?:\w+ )?in {_NK}|\b(?:i|we) (?:am|are) (?:still |currently |now )*(?:in|"
        rf"inside) {_NK}",
        visitor=True,
    ),
    _rule(
        "fears being caught or sent back",
        r"\b(?:if|when) (?:i|we) (?:get |am |are )?(?:caught|arrested|captured|sent back|"
        r"repatriated)\b|\b(?:catch|caught|arrest|capture|send|sent|repatriate\w*) (?:me|us)\b",
        visitor=True,
    ),
    _rule(
        "first person going to China or the South",
        rf"\b{_FIRST}(?: {_BRIDGE}){{0,5}} (?:go|get|walk|run|move|travel) (?:to|into|across to) "
        r"(?:china|south korea|seoul|the south)\b",
        visitor=True,
    ),
    _rule(
        "first person surviving in China",
        rf"\b{_FIRST}(?: {_BRIDGE}){{0,5}} (?:survive|stay hidden|find work|get a job) "
        r"(?:\w+ )?in china\b",
        visitor=True,
    ),
    _rule(
        "asks for help while at risk",
        r"\b(?:help|save|rescue) (?:me|us)\b(?! (?:to )?(?:understand|learn|find|know|write|"
        r"research|with|figure|study))",
        # A bare "help me" asks how to use the bot; with North Korea or escaping it is more.
        frame=rf"\b{_NK}\b|defect|escap|flee|\bborder\b",
        visitor=True,
    ),
    _rule(
        "asks what to take along",
        r"\b(?:bring|pack|carry|take)\b.*\b(?:escap\w*|defect\w*|crossing|flee\w*)",
        frame=rf"\b(?:{_FIRST}|you|how to)\b",
    ),
    _rule(
        "asks for a how-to",
        rf"(?<!know )(?<!knew )\b(?:how|steps|guide|tips|advice) (?:to|for) {_VERB}",
        context=True,
        visitor=True,
    ),
    _rule(
        "asks for the best way or route",
        r"\b(?:best|safest|easiest|quickest|fastest|cheapest|surest|safe|secret) (?:\w+ ){0,2}"
        rf"(?:way|ways|rout\w*|path|time|place|spot|point|method|season)\b.*(?:{_VERB}|"
        r"\bout\b|to china|to south korea|\bover\b)",
    ),
    _rule(
        "asks which route to take",
        r"\b(?:which|what) (?:route|way|path|crossing) (?:should|do|can|could|would) "
        r"(?:i|we|you|one)\b",
    ),
    _rule(
        "asks where or how to cross",
        r"\bcrossing points?\b|\b(?:least|less|lightly|poorly|un) ?guarded\b|\bweak\w* (?:spot|"
        r"point|part|section|place)s?\b|\b(?:gaps?|holes?) in the (?:fence|border)\b|\b(?:where|"
        r"how) (?:to|do i|can i|should i|could i|do we|can we|should we|do you|can you|should "
        r"you|would you|does one|can one) (?:\w+ )?(?:cross|swim|wade|sneak|climb|get across|"
        r"get over|get past|get through)\b.*\b(?:border|river|fence|tumen|yalu|china|guards|"
        r"north korea)|\bguards? (?:change|shifts?|rotat\w*|schedules?)\b|\bpatrol (?:times?|"
        r"schedules?)\b|\b(?:easier|easiest|safer|safest|best|shallowest|narrowest) (?:\w+ )?"
        r"(?:to|for) (?:cross|swim|escape|get across)\b|\bwhich (?:part|place|spot|section|point)"
        r"\b.*\bcross",
    ),
    _rule(
        "asks how to avoid guards or police",
        r"\b(?:avoid|evade|dodge|get past|sneak past|slip past|outrun|fool|trick) (?:the )?"
        r"(?:\w+ )?(?:guards?|police|soldiers|patrols?|cameras|dogs|authorities|mines|"
        r"landmines|informants|checkpoints?)\b",
        frame=rf"\b(?:{_FIRST}|you|how to|where to|how can)\b",
    ),
    _rule(
        "asks how to reach or hire a broker",
        r"\b(?:find|hire|hiring|contact|reach|get hold of|get in touch with|recommend|trust|"
        r"choose|pick|meet|call|arrange|book|look for|looking for|connect with) (?:\w+ ){0,3}"
        r"(?:broker|smuggler|trafficker|middleman|guide)s?\b|\b(?:broker|smuggler)s? (?:number|"
        r"contact|phone|kakao|wechat|details|email)\b",
    ),
    _rule(
        "asks about brokers for themselves",
        r"\b(?:broker|smuggler|trafficker|middleman)s?\b|\bhow much (?:is|for|does|would|will) "
        r"(?:a |the |one )?(?:broker|smuggler)",
        frame=rf"\b(?:{_FIRST}|my|our|which|trust\w*|reliable|recommend|how much (?:is|for|does|"
        r"would|will))\b",
    ),
    _rule(
        "asks about an embassy for themselves",
        r"\b(?:embassy|embassies|consulate)\b",
        frame=rf"\b(?:{_FIRST}|my)\b",
        visitor=True,
    ),
    _rule(
        "asks about money for their own escape",
        r"\b(?:money|cash|funds|pay|afford)\b.*\b(?:escap\w*|defect\w*|get out|crossing|leave)",
        frame=rf"\b{_FIRST}\b",
        visitor=True,
    ),
    _rule(
        "compares routes through other countries",
        r"\b(?:through|via) (?:china |the )?(?:mongolia|laos|thailand|vietnam|cambodia|myanmar|"
        r"burma|russia)\b",
        frame=rf"\b(?:{_FIRST}|you|should|safer|safest|better|best|which|easier)\b",
    ),
    _rule(
        "asks about bribes",
        r"\bbrib\w*",
        frame=rf"\b(?:{_FIRST}|you|my|how|where|who|whom|which)\b",
    ),
    _rule(
        "asks how to plan an escape",
        r"\bplan\w* (?:a|an|the|my|our|your) (?:escape|defection|crossing|route|exit)\b",
        frame=rf"\b(?:{_FIRST}|you|how to)\b",
    ),
    _rule(
        "asks about hiding",
        r"\b(?:hide|hiding|hideout|safe ?house|lie low|stay hidden)\b",
        frame=rf"\b(?:{_FIRST}|my|you|how to|where to|where can|where should|how can|how long)\b",
    ),
    _rule(
        "asks about fake papers",
        r"\b(?:fake|forged|forge|false|counterfeit|fraudulent|stolen) (?:\w+ ){0,2}(?:papers?|"
        r"documents?|passports?|ids?|id cards?|visas?|permits?|identity|identification)\b",
        frame=rf"\b(?:{_FIRST}|my|you|how to|where to|where can|can i|should i)\b",
    ),
    _rule(
        "asks to get someone out",
        rf"\b(?:get|getting|bring|bringing|take|taking|help|helping|smuggle|sneak|rescue|save|"
        rf"extract|move) (?:\w+ )?(?:{_MY_KIN}|me|us) (?:\w+ ){{0,3}}(?:out|escape|leave|flee|"
        rf"defect|across|to china|to south korea|to the south|to seoul|over)\b",
    ),
    _rule(
        "a relative in North Korea",
        rf"\b{_MY_KIN} (?:is|are|lives|live|still|stuck|trapped)(?: \w+){{0,2}} (?:in|inside) "
        rf"{_NK}\b|\b(?:i|we) have (?:\w+ )?{_KIN} (?:still )?(?:in|inside) {_NK}\b",
        frame=r"\b(?:how|help|can|could|what|want|wants|need|should)\b",
    ),
)

HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Korean: the bot answers in English, so a Korean message about leaving is most likely from
# someone it concerns. Escape words (defect, escape, border, broker, bribe, asylum, fake
# papers, the border rivers, "I am in North Korea") count on their own; words for leaving,
# crossing or hiding count with a place or a relative; "I" with 북한 (North Korea) counts.
KO_ESCAPE = re.compile(
    r"탈북|탈출|도망|브로커|뇌물|밀입국|망명|살려\s*주|국경|두만강|압록강|위조|가짜\s*(?:여권|서류|신분증)"
    r"|강\s*을?\s*건너|북한에\s*(?:있|살)|(?:중국|한국|남한|남쪽)\s*으?로\s*(?:가|갈|넘어)"
)
KO_MOVE = re.compile(
    r"떠나|떠날|떠났|나가|나갈|나오|나올|빠져나|벗어나|벗어날|넘어|건너|숨|데리고|데려|가고\s*싶|갈\s*수"
    r"|가는\s*(?:길|방법)"
)
KO_CONTEXT = re.compile(r"북한|조선|이\s*나라|여기|중국|한국|남한|가족|엄마|아빠|부모")
KO_SELF = re.compile(r"(?:저는?|제가|나는?|내가|우리는?|저희는?)\s*(?:\S+\s*)?북한")
