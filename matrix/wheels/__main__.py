"""`python -m matrix.wheels`: build and check every wheel and the sdist."""

import sys

from .release import main

sys.exit(main())
