"""The safety check's rules: plain data, each rule named (see `bot.safety` for how they apply).

Changing what gets the safety reply means editing this table; add the example to
`tests/test_knowledge.py` and to the README's table of where the line runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ALIASES",
    "ANY_RULE",
    "EDUCATIONAL",
    "FIRST_PERSON",
    "GUIDANCE",
    "HANGUL",
    "KO_CONTEXT",
    "KO_EDUCATIONAL",
    "KO_ESCAPE",
    "KO_MOVE",
    "KO_OPERATIONAL",
    "KO_PERSON",
    "KO_REQUEST",
    "KO_SELF",
    "NK_CONTEXT",
    "OPERATIONAL",
    "RULES",
    "SITUATION",
    "STRONG",
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
    guarded plan planning bribes bribed bribery briber soldier soldiers minders smuggle
    smuggled wading shallow shallowest repatriate repatriated deported deport which embassy
    consulate
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
    "nort": "north",
    "noth": "north",
    "norht": "north",
    "dprk": "north korea",
    "b4": "before",
    "wich": "which",
    "whr": "where",
    "wat": "what",
    "sum1": "someone",
    "ppl": "people",
    "1st": "first",
    "hlp": "help",
    "wana": "want to",
}

_NK = (
    r"(?:north korea\w*|dprk|pyongyang|the north|tumen|yalu|the border|the river|hyesan|"
    r"sinuiju|musan|hoeryong|chongjin|hamhung|wonsan|kaesong|rason|nampo|ryanggang|"
    r"(?:north |south )?hamgyong|chagang|(?:north |south )?pyongan|(?:north |south )?hwanghae|"
    r"kangwon|n korea|the dmz|dmz)"
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
    r"hope|hoping|hopes|decided|thinking|think|about|of|dream|ready|just|really|finally|still|"
    r"wanted|wanting|wished|wishes|wish|planned|plans|tried|tries|"
    r"also|do|does|did|safely|secretly|somehow|get|help|me|us|him|her|them|able|allowed|"
    r"for|ever|please|how|when|if|and|caught|not|never)"
)
_VERB = (
    r"(?:escap(?!ee)\w*|flee\w*|fled|defect(?!or|ion)\w*|leav(?!ers?\b)\w*|exit\w*|emigrat\w*|"
    r"run away|ran away|bolt\w*|slip away|get away|break away|make a run for it|"
    r"come (?:to|over to) (?:china|south korea|seoul|the south)|"
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
VISITOR = re.compile(
    r"\b(?:touris\w*|tours?|visit\w*(?! (?:my |his |her |our |their )?(?:relatives|family|"
    r"parents|mother|father))|vacation|holiday|trip|visas?|foreigners?)\b"
)
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
        r"\bnorth koreans? here\b|\bas an? north korean\b|\b(?:i|we) (?:am|are) from north korea|"
        r"\b(?:i|we) (?:am|are) (?:an? )?north korean? (?:worker|citizen|soldier|student|defector|"
        r"refugee|girl|boy|woman|man|person|labou?rer)s?\b|\b(?:my|our) minders?\b",
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
        r"repatriated|stopped|found|questioned|reported)\b|\b(?:catch\w*|caught|arrest\w*|capture\w*|"
        r"send\w*|sent|repatriat\w*|deport\w*|return\w*|report\w*|hand\w* (?:me|us) over|stop\w*|"
        r"find\w*|question\w*|turn\w* (?:me|us) in) (?:me|us)\b",
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
        "asks where along the border or river",
        r"\b(?:which|what) (?:part|place|spot|section|point|stretch|bank|side)s? "
        r"(?:of )?(?:\w+ ){0,3}"
        r"(?:is|are|has|was)? ?(?:the )?(?:shallow\w*|narrow\w*|safe\w*|eas\w*|best|quiet\w*|"
        r"unguarded|least)\b|\b(?:shallowest|narrowest|safest|easiest|best|quietest|darkest|"
        r"least guarded) (?:\w+ ){0,2}(?:part|place|spot|section|point|stretch|time|night|hour|"
        r"season|way)\b",
        frame=rf"\b{_NK}\b|\b(?:river|border|fence|cross\w*|wad\w*|swim\w*|china)\b",
        visitor=True,
    ),
    _rule(
        "asks for practical steps for someone who wants to leave",
        r"\b(?:step by step|first thing|practically|in practice|exactly how|what "
        r"(?:should|would|could|can|must) (?:i|we|he|she|they|one|someone|a person) do"
        r"(?! (?:to|for) (?:help|support|them|"
        r"defectors|refugees|north koreans))|what would you (?:tell|say to|"
        r"advise)|(?:how|where|when) should (?:i|we|he|she|they|one|someone)|who "
        r"(?:should|would|could|"
        r"can|do|does) (?:i |we |he |she |they |one |someone )?(?:contact|call|ask|talk to|go to|"
        r"trust|pay|meet|reach|turn to))\b",
        frame=rf"\b(?:escap\w*|flee\w*|fled|defect(?!or)\w*|leav\w*|get \w* ?out|getting \w* ?out|"
        rf"cross\w*|run away|bolt\w*|hid\w*|smuggl\w*|broker\w*)\b.*|\b{_NK}\b.*\b(?:leav\w*|"
        r"out|escap\w*|cross\w*|away)\b",
        visitor=True,
    ),
    _rule(
        "wants to leave, without saying who",
        r"^(?:(?:really|just|so|urgently|badly) )?"
        rf"(?:need|needs|want|wanna|have|gotta|got|going|trying|"
        rf"plan\w*|hoping|hope) to (?:\w+ ){{0,2}}{_VERB}",
        context=True,
        visitor=True,
    ),
    _rule(
        "asks to be told how",
        r"\b(?:tell|show|teach|explain to|give) (?:me|us) (?:how|the way|a way|a plan|the steps)\b",
        frame=rf"\b{_NK}\b|\b(?:escap\w*|flee\w*|defect\w*|bolt\w*|cross\w*|border|river)\b",
        visitor=True,
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
        r"landmines|informants|checkpoints?)\b|\b(?:avoid|escape|prevent|stop) (?:\w+ )?"
        r"(?:getting |"
        r"being )?(?:reported|caught|found|noticed|arrested|deported|sent back|spotted|stopped|"
        r"repatriated|detected)\b|\bwhere (?:are )?(?:the |all the )?(?:mines?|landmines?|guards?|"
        r"patrols?|cameras?|guard posts?|checkpoints?|soldiers)(?: are)?\b",
        frame=rf"\b(?:{_FIRST}|you|how to|where to|how can|how (?:would|could|should|do|does) "
        r"(?:they|he|she|one|someone|a person)|show me|tell me)\b",
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
        frame=rf"\b(?:{_FIRST}|{_MY_KIN}|which|trust\w*|reliable|recommend|how much (?:is|for|does|"
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
        r"\b(?:through|via|across|to) (?:china (?:to |and )?|the )?"
        r"(?:mongolia|laos|thailand|vietnam|"
        r"cambodia|myanmar|burma|russia)\b",
        frame=rf"\b(?:{_FIRST}|you|should|safer|safest|better|best|which|easier)\b",
    ),
    _rule(
        "asks about paying off guards",
        r"\bpay\w* (?:\w+ )?off\b|\bpay\w* (?:to )?(?:the |a |an )?(?:\w+ )?(?:guards?|soldiers?|"
        r"officials?|police\w*|officers?|cops?)\b",
        frame=rf"\b(?:{_FIRST}|you|my|how|how much|where|who|whom|which|should)\b",
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
        frame=rf"\b(?:{_FIRST}|my|you|how to|where to|where can|where should|how can|how long|how "
        r"(?:would|could|should|do|does|did|can) (?:they|he|she|one|someone|a person|people))\b",
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
# Matches where any rule's pattern matches (a rule applies only where its pattern does):
# one scan leaves most questions with no rule to try, at a third of the cost of the loop.
ANY_RULE = re.compile("|".join(f"(?:{rule.pattern.pattern})" for rule in RULES))

# --- The second layer: a request for guidance about an operational subject ------------------
# Whatever the wording, "how / where / which / who / walk me through ..." (GUIDANCE) about
# crossing, guards, brokers, papers, hiding, money or routes (OPERATIONAL), in a North Korea
# or escape context, asks for help doing it, unless the question is framed as finding out
# how things are (EDUCATIONAL) and no one in particular is in the picture (SITUATION).
# Who the guidance is for: the asker or a particular person, not people in general
# ("how do people / you / defectors get out" asks how things are).
_WHO = r"(?:i|we|he|she|my \w+|our \w+|him|her)"
GUIDANCE = re.compile(
    rf"\bhow (?:can|could|should|would|might|do|does|to) {_WHO}\b|\bhow should (?:they|someone|"
    r"one|you)\b|\bwhat (?:should|can|could|must|would) (?:i|we|he|she|they|"
    r"someone|one|my \w+)\b|\b(?:exact|specific|practical) (?:steps|instructions|details)\b|"
    r"\bsteps? (?:to|should|for)\b|\bstep by step\b|\bwalk (?:me|us|him|her) through\b|\bwhere "
    rf"(?:should|can|could|do|does|would) {_WHO}\b|\bwhere (?:should|to|is it|it is|its|along)\b|"
    r"\bwhere (?:is|are) (?:the )?"
    r"(?:\w+ )?(?:lowest|safest|shallowest|weakest|narrowest|thinnest|best)\b|\bwhich (?:\w+ )?"
    r"(?:embassy|embassies|consulate|route|road|way|broker|smuggler|crossing|post|side|part|"
    r"place|city|country|season|month)\b|\bwhen (?:should|is the best|is it safe|to)\b|\bis it "
    r"(?:safer|safe|better|easier|best)\b|\bwho (?:should|can|could|do|would|to) (?:i |we |he |she "
    r"|they )?(?:contact|call|ask|pay|trust|go to|talk to|reach|send)\b|\b(?:i|we) (?:need|want) "
    r"(?:to know|the|a|someone|somebody|help|sum1|\w+ to take)\b|\bneed (?:to know|someone|"
    r"somebody|sum1)\b|\b(?:tell|show|teach|give|list) (?:me|us|him|her)\b|\bhelp (?:me|us|him|"
    r"her|my)\b|\bhlp\b|\bany (?:tips|advice)\b|\b(?:can|could) you (?:list|tell|give|help|"
    r"recommend)\b|\bhow much (?:will|would|should|do|to) (?:i|we|it|pay)\b|\bpay how much\b|"
    r"\bwhat (?:should|do|can) (?:i|we|they|he|she) (?:say|tell|bring|take|carry|pay)\b|\bhow "
    r"(?:can|do) (?:you|i|we) (?:stop|avoid|keep)\b|\bwhat should\b"
)
OPERATIONAL = re.compile(
    r"\b(?:cross\w*|across|river|frozen|ice|fences?|wire|climb\w*|mines|landmines?|dogs?|smell\w*|"
    r"patrol\w*|guards?|cameras?|posts?|checkpoints?|broker\w*|smuggl\w*|middle ?m[ae]n|contact "
    r"person|money|dollars?|yuan|cash|pay\w*|brib\w*|embass\w*|consulate\w*|passports?|papers|"
    r"ids?|documents|visas?|hid\w*|hiding|dormitory|get away|run away|escap\w*|defect(?!or)\w*|"
    r"flee\w*|get (?:\w+ ){0,2}out|take (?:\w+ )?across|reach (?:south korea|seoul)|to seoul|"
    r"to south "
    r"korea|laos|thailand|bangkok|bkk|vietnam|mongolia|sent back|send \w+ back|picked up|caught|"
    r"police|routes?|locations?|report\w* (?:me|us|him|her)|missing|run|workers?)\b"
)
# A first-person need that overrides an educational framing ("are there mines ...? i need
# to know where it is safe to step").
STRONG = re.compile(
    r"\b(?:i|we) need\b|\bneed to know\b|\bwalk (?:me|us) through\b|\bwhat (?:\w+ )?should "
    r"(?:i|we)\b|"
    r"\bhow (?:do|can|should|could) (?:i|we)\b|\bhelp (?:me|us)\b|\b(?:tell|show) (?:me|us) "
    r"(?:how|where|which|when|who)\b"
)
EDUCATIONAL = re.compile(
    r"^(?:(?:so|ok|okay|hi|hey|quick question|question|q)[:,]? )?(?:why|what happens|what happened|"
    r"what (?:is|are|was|were|does|do|did) (?:the|a|an|it|they|defectors|brokers|people|north)|"
    r"is it true|are there|was there|how do (?:people|defectors|north koreans|they|most)|how did|"
    r"how does|how often|how many|how much does|how long|do (?:people|guards|defectors|north "
    r"koreans|they|brokers|most)|does|did|who (?:is|was|are|were)|when did|has|have|can "
    r"(?:people|north koreans|defectors)|could (?:people|north koreans))\b|\b(?:in general|"
    r"usually|historically|typically|statistic\w*|stats|figures|per year|each year|essay|class|"
    r"homework|school project|research paper|thesis|assignment|lesson)\b"
)
SITUATION = re.compile(
    r"\b(?:i|we) (?:already )?(?:crossed|escaped|fled|got out|left|ran)\b|\b(?:i|we) (?:am|are) "
    r"(?:now |currently |still )?(?:in|at|near) (?:a |the )?(?:\w+ ){0,2}(?:village|town|city|"
    r"border|china|russia|shenyang|yanji|dandong|harbin|beijing|factory|dormitory|camp)\b|\bbought "
    r"me\b|\bkeeps? my (?:passport|papers|id)\b|\bleav\w* soon\b|\b(?:i|we) work (?:at|in|for)\b.*"
    r"\b(?:china|russia|dandong|shenyang|siberia|factory|logging|site)\b|\b(?:i|we|she|he|my \w+) "
    r"(?:is|am|are) (?:a |an )?(?:north korean?|nk) workers?\b"
)

HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Korean: the bot answers in English, so a Korean message about leaving is most likely from
# someone it concerns. Escape words (defect, escape, border, broker, bribe, asylum, fake
# papers, the border rivers, "I am in North Korea") count on their own; words for leaving,
# crossing or hiding count with a place or a relative; "I" with 북한 (North Korea) counts.
KO_ESCAPE = re.compile(
    r"탈출|도망|브로커|뇌물|밀입국|망명|살려\s*주|국경|두만강|압록강|위조|가짜\s*(?:여권|서류|신분증)"
    r"|강\s*을?\s*건너|북한에\s*(?:있|살)|(?:중국|한국|남한|남쪽)\s*으?로\s*(?:가|갈|넘어)"
    r"|북송|송환|(?:가짜|위조|거짓)\s*(?:\S+\s*){0,2}(?:여권|서류|신분증|증명서|비자)"
    r"|(?:여권|서류|신분증|증명서)\S*\s*(?:\S+\s*)?(?:가짜|위조)"
)
KO_MOVE = re.compile(
    r"떠나|떠날|떠났|나가|나갈|나오|나올|빠져나|벗어나|벗어날|넘어|건너|숨|데리고|데려|가고\s*싶|갈\s*수"
    r"|빼내|빼낼|빼와|구출|구해"
    r"|가는\s*(?:길|방법)"
)
KO_CONTEXT = re.compile(r"북한|조선|이\s*나라|여기|중국|한국|남한|가족|엄마|아빠|부모")
KO_SELF = re.compile(r"(?:저는?|제가|나는?|내가|우리는?|저희는?)\s*(?:\S+\s*)?북한")

# Korean, second layer: a request (tell me, how should, where to, help) about leaving,
# crossing, hiding, papers, brokers or money, by or for someone in particular; questions
# framed as wanting to know how things are (why, usually, is it true, what does it mean)
# stay factual unless the person or a relative is in the picture.
KO_REQUEST = re.compile(
    r"알려\s*주|알려줘|가르쳐|어떻게\s*해야|어떻게\s*하면|어케|어떡|어찌|어디로|어디서|어디가|아세요"
    r"|알아야|방법\s*(?:좀|을|이)?"
    r"|도와\s*주|도와줘|살려|할까요|해야\s*(?:돼|되|해|할)|하려면|아시는\s*분|번호|연락"
)
KO_OPERATIONAL = re.compile(
    r"건너|넘는|넘어|국경|강|지뢰|철조망|브로커|연락책|영사관|대사관|여권|신분증|숨|잡히|걸리|북송|송환"
    r"|돈|모셔|데려|빼내|경로|가는\s*길|라오스|태국|몽골|한국으로|남쪽으로|탈북|탈출|도망|경찰|공안"
    r"|연길|연변|심양|단동|장백|도문|훈춘|무산|혜산|신의주|안전|출발"
)
KO_EDUCATIONAL = re.compile(
    r"왜|보통|사실인가|사실이에요|뜻|의미|역사|궁금|되나요|됐나요|했나요|많나요|있나요|수업|숙제|기사"
)
# The asker or a relative: pronouns with their particles (a bare 나 or 저 is also the start
# of 나라 "country" or 저기 "there"), kin words, and the asker's own plans.
KO_PERSON = re.compile(
    r"저는|제가|저도|저희|나는|내가|나도|우리\s*(?:오빠|언니|형|누나|동생|엄마|아빠|가족|아들|딸)|동생|오빠"
    r"|언니|형이|누나|아빠|엄마|어머니|아버지|남편|아내|아들|딸|친구|할머니|할아버지|가족이"
    r"|할려구|할려고|하려고\s*(?:하|해)|할\s*거라|할\s*거예요|예정|다음\s*주|내일|오늘\s*밤|지금"
)
