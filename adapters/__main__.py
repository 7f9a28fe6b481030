"""`python -m adapters` is `faqbot`."""

import sys

from adapters.cli import main

sys.exit(main())
