"""Teaching the bot from what people asked: candidates, checked edits of the FAQ file, history.

See README.md, "Teaching the bot". The conversation layer's moderator buttons and the
`faqbot learn` command both write through `Learner`.
"""

from bot.learn.changes import Change, ChangeKind
from bot.learn.writer import Applied, Figures, LearnConfig, Learner

__all__ = ["Applied", "Change", "ChangeKind", "Figures", "LearnConfig", "Learner"]
