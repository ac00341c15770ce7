"""`python -m deepseek_ext_cli`: the same as the `deepseek-ext` command."""

import sys

from deepseek_ext_cli import main

sys.exit(main())
