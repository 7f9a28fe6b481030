"""Every sentence the bot says on its own behalf, so all platforms say the same."""

from __future__ import annotations

__all__ = [
    "ALREADY_VOTED",
    "BUSY",
    "CHOICE_RANGE",
    "CHOOSE_TOPIC",
    "COOLDOWN",
    "DM_FAILED",
    "ENGLISH_ONLY",
    "ERROR",
    "HELP",
    "HELPFUL",
    "LOG_OFF",
    "MODERATORS_NOT_CONFIGURED",
    "MODERATORS_ONLY",
    "NONE",
    "NOT_COVERED",
    "NOT_TEXT",
    "NO_CHOICES",
    "OUT_OF_SCOPE",
    "PRIVACY_HINT",
    "PRIVATE_ONLY",
    "RELOADED",
    "RELOAD_REJECTED",
    "SAFETY_OPEN_PRIVATE",
    "SAFETY_PUBLIC",
    "SAY_MORE",
    "SLOW_DOWN",
    "STALE",
    "SUGGEST",
    "TEACH_ADD",
    "TEACH_ADD_LABEL",
    "TEACH_CANCEL",
    "TEACH_CANCELLED",
    "TEACH_CONSOLE",
    "TEACH_EXPIRED",
    "TEACH_GONE",
    "TEACH_HEADING",
    "TEACH_NOT_OWNER",
    "TEACH_OFF",
    "TEACH_OUT_OF_SCOPE",
    "TEACH_OUT_OF_SCOPE_LABEL",
    "TEACH_PRIVACY",
    "TEACH_REWORD",
    "TEACH_UNDO",
    "TEACH_UNDO_EXPIRED",
    "TEACH_UNDO_HINT",
    "TEACH_WORDING_LABEL",
    "TEACH_WRITE",
    "THANKS",
    "TOPIC_FOUND",
    "TOPIC_HOWTO",
    "TOPIC_NAME_MISSING",
    "TOPIC_NOT_FOUND",
    "UNHELPFUL",
    "privacy",
]

HELP = (
    "I answer questions about why North Koreans cannot simply leave their country, "
    "and every answer names the documents it rests on. Ask in your own words, for example "
    '"what happens to the family of someone who escapes?", or browse the topics.'
)
WELCOME = "You're welcome. Ask another question whenever you like, or type /topics to browse."
PRIVACY_HINT = (
    "Please do not share names, places or other details that could identify you or anyone "
    "else. /privacy says what I keep and for how long."
)
SUGGEST = "I'm not sure I understood. Did you mean one of these?"
# The look-alike guard's "did you mean": the question names a place or people the answer
# is not about ({key} is a country, nationality or role from bot.guard, never free text).
NOT_COVERED = "My answers are about North Koreans, not about “{key}”. Did you mean one of these?"
SAY_MORE = "Could you say a little more? These questions are about that:"
NONE = (
    "I don't know that one. I can only answer what my FAQ covers, "
    "which is about why North Koreans cannot simply leave. These are my topics:"
)
CHOOSE_TOPIC = "Choose a topic:"
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
TOPIC_HOWTO = "Use /topic NAME to list a topic's questions."
NO_CHOICES = "There is nothing to pick right now: ask a question, or type /topics."
CHOICE_RANGE = "Please pick a number from 1 to {count}."
TOPIC_NOT_FOUND = 'I have no topic called "{name}". These are the topics:'
TOPIC_NAME_MISSING = "Which topic? Add its name, for example /topic family. These are the topics:"
STALE = "That question is no longer in the FAQ; it may have been edited. Please ask again."
ERROR = "Sorry, something went wrong on my side. Please try again in a moment."
BUSY = "I'm very busy right now and could not read your message. Please try again in a minute."
COOLDOWN = "You are asking faster than I can answer here. Please wait {seconds} s and ask again."
SLOW_DOWN = "Please wait a moment before asking again."
NOT_TEXT = "I can only read text questions. Type your question, or /help."
HELPFUL = "Helpful"
UNHELPFUL = "Not helpful"
THANKS = "Thanks, your feedback was counted."
ALREADY_VOTED = "You already gave feedback on this answer."
MODERATORS_ONLY = "Only the bot's moderators can do that."
MODERATORS_NOT_CONFIGURED = (
    "No moderators are configured for this bot, so nobody can do that in chat. The operator "
    "names them in the settings (TELEGRAM_MODERATOR_IDS, DISCORD_MODERATOR_IDS or "
    "DISCORD_MODERATOR_ROLE_IDS)."
)
PRIVATE_ONLY = (
    "That shows what other people asked, so I only show it in a private chat with me "
    "or in a moderator chat."
)
LOG_OFF = (
    "The question log is turned off (FAQBOT_LOG_ENABLED=false), so there is nothing to report."
)
RELOADED = "FAQ reloaded: {entries} entries, {topics} topics."
# Teaching the bot from /unanswered (moderators only, in private).
TEACH_HEADING = (
    "Teach the bot ({shown} of {total} candidates; every button asks you to confirm the "
    "wording before anything is written):"
)
TEACH_ADD_LABEL = "{n} · add to: {question}"
TEACH_OUT_OF_SCOPE_LABEL = "{n} · out of scope"
TEACH_ADD = "Add this wording to “{question}” ({entry})?"
TEACH_OUT_OF_SCOPE = "Refuse this wording, and questions close to it, as out of scope?"
TEACH_PRIVACY = (
    "People's own words can identify them: take out names, places and other details "
    "before you write it."
)
TEACH_REWORD = "To change the wording, reply to this message with the new wording."
TEACH_WORDING_LABEL = "Wording (take out anything personal)"
TEACH_WRITE = "Write it"
TEACH_CANCEL = "Cancel"
TEACH_UNDO = "Undo"
TEACH_UNDO_HINT = "Undo is possible for {minutes} minutes."
TEACH_CANCELLED = "Cancelled: nothing was written."
TEACH_GONE = (
    "That candidate is gone: it was taught or hidden, or its questions were deleted. "
    "Send /unanswered again."
)
TEACH_EXPIRED = "That draft has expired or was already used. Start again from /unanswered."
TEACH_NOT_OWNER = "Only the moderator who started this can confirm or change it."
TEACH_UNDO_EXPIRED = (
    "Too late to undo from here. `faqbot learn history` lists the change; take it out of "
    "the FAQ file by hand."
)
TEACH_CONSOLE = (
    'In the console, teach with `faqbot learn add ENTRY_ID "PHRASING"` or `faqbot learn '
    'out-of-scope "PHRASING"` (`faqbot learn list` shows the candidates\' ids).'
)
TEACH_OFF = (
    "Teaching from chat is not set up on this bot (no writable FAQ file or no question "
    "log); the operator can use `faqbot learn`."
)
RELOAD_REJECTED = "FAQ edit rejected; still answering from the last good version."
SAFETY_PUBLIC = "I'll answer you in private."
SAFETY_OPEN_PRIVATE = "Open my private reply"
DM_FAILED = (
    "I could not send you a private message. Please write to me directly (a DM) or use /ask."
)


def privacy(*, logging: bool, text: bool, ids: bool, days: float) -> str:
    """Say in plain words what is stored about people, for how long, and who can read it.

    Args:
        logging: A question log is kept at all.
        text: It keeps the text of questions.
        ids: It keeps user and chat ids.
        days: How many days rows are kept.
    """
    if not logging:
        kept = "This bot keeps no log of questions."
    else:
        what = "your question's text, " if text else ""
        # Picks are learning evidence only while the text is kept (bot.conversation.evidence).
        picked = ", and which suggested question you picked" if text else ""
        who = "your user and chat ids, " if ids else "not who you are or where you asked, "
        kept = (
            f"To improve the FAQ, this bot logs each question: {what}the time, the platform "
            f"and which answer it gave{picked}; {who}and deletes these rows after {days:g} days. "
            "Only the bot's operator and the moderators they name can read the log. "
            "A question asking for personal help with leaving is never stored with its text."
        )
    return (
        f"{kept} Rate limits and feedback votes are kept only as keyed hashes and are "
        "forgotten within a day. Please do not share names, places or other details that "
        "could identify you or anyone else."
    )
