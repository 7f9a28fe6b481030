"""Every sentence the bot says on its own behalf, so all platforms say the same."""

from __future__ import annotations

__all__ = [
    "ALREADY_VOTED",
    "COOLDOWN",
    "ENGLISH_ONLY",
    "ERROR",
    "HELP",
    "HELPFUL",
    "LOG_OFF",
    "MODERATORS_ONLY",
    "NONE",
    "NOT_TEXT",
    "OUT_OF_SCOPE",
    "STALE",
    "SUGGEST",
    "THANKS",
    "TOPIC_FOUND",
    "TOPIC_NOT_FOUND",
    "UNHELPFUL",
]

HELP = (
    "I answer questions about why North Koreans cannot simply leave their country, "
    "and every answer names the documents it rests on. Ask in your own words, for example "
    '"what happens to the family of someone who escapes?", or browse the topics.'
)
SUGGEST = "I'm not sure I understood. Did you mean one of these?"
NONE = (
    "I don't know that one. I can only answer what my FAQ covers, "
    "which is about why North Koreans cannot simply leave. These are my topics:"
)
# The default note of an out-of-scope refusal; the FAQ file may give each block its own.
OUT_OF_SCOPE = (
    "This FAQ is about North Korean citizens and why they cannot leave their country, "
    "so it does not cover that question."
)
# For messages mostly in another script; in English and Korean, as the bot answers in English.
ENGLISH_ONLY = (
    "I can only answer questions in English. Please ask in English. "
    "저는 영어로 된 질문에만 답할 수 있어요. 영어로 질문해 주세요."
)
TOPIC_FOUND = "{title}: {summary}"
TOPIC_NOT_FOUND = 'I have no topic called "{name}". These are the topics:'
STALE = "That question is no longer in the FAQ; it may have been edited. Please ask again."
ERROR = "Sorry, something went wrong on my side. Please try again in a moment."
COOLDOWN = "You are asking faster than I can answer here. Please wait {seconds} s and ask again."
NOT_TEXT = "I can only read text questions. Type your question, or /help."
HELPFUL = "Helpful"
UNHELPFUL = "Not helpful"
THANKS = "Thanks, your feedback was counted."
ALREADY_VOTED = "You already gave feedback on this answer."
MODERATORS_ONLY = "Only moderators can do that here."
LOG_OFF = (
    "The question log is turned off (FAQBOT_LOG_ENABLED=false), so there is nothing to report."
)
