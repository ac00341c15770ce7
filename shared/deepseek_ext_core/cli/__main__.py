"""`python -m deepseek_ext_core.cli`: the same as the `deepseek-ext` command."""

import sys

from deepseek_ext_core.cli import main

sys.exit(main())
