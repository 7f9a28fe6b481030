"""The conversation layer: one platform-neutral API for every adapter."""

from bot.conversation.actions import Action, TeachAction, TeachVerb, Verb
from bot.conversation.asker import Asker
from bot.conversation.conversation import SAFETY_PAYLOAD, Conversation
from bot.conversation.limits import Kind, Limiter, RatePolicy
from bot.conversation.moderators import Moderators
from bot.conversation.results import (
    AskWording,
    Button,
    Notice,
    Privately,
    Report,
    Result,
    Show,
    ShowSources,
    ShowTopic,
    ShowTopics,
    Silence,
)

__all__ = [
    "SAFETY_PAYLOAD",
    "Action",
    "AskWording",
    "Asker",
    "Button",
    "Conversation",
    "Kind",
    "Limiter",
    "Moderators",
    "Notice",
    "Privately",
    "RatePolicy",
    "Report",
    "Result",
    "Show",
    "ShowSources",
    "ShowTopic",
    "ShowTopics",
    "Silence",
    "TeachAction",
    "TeachVerb",
    "Verb",
]
