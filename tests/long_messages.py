"""Long messages (a story first, the question last) written for the tests.

Not from knowledge/eval/longset.yaml, so no test checks tuning or held-out data.
"""

# Answered: family-punishment.
AUNT = (
    "My aunt married a man whose brother defected decades ago, and at a family dinner "
    "someone said the relatives left behind were all sent to the countryside as punishment, "
    "so do the families of people who escape really get punished?"
)
# Mentions tourists in passing: the out-of-scope block on tourists must not refuse it.
TOURISTS = (
    "I saw a travel vlog of foreign tourists in Pyongyang taking the metro and visiting "
    "monuments, and now I wonder if the North Koreans they filmed could ever leave their "
    "country if they wanted to?"
)
QUIZ = (
    "I'm putting together a pub quiz for saturday night and I need ten questions about "
    "football history, the world cup and famous players from the seventies, can you suggest "
    "some good ones with answers?"
)
SOURDOUGH = (
    "I've been baking sourdough for a few months now and my loaves keep coming out flat and "
    "dense even though the starter bubbles nicely, what am I doing wrong with the proofing?"
)
