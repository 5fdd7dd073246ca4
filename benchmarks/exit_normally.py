"""Reference for the `teardown` case: medref's entry point, ending with the interpreter's
normal exit (every loaded module torn down) instead of `entry._exit`.

Usage: python benchmarks/exit_normally.py ARGS...  (as `medref ARGS...`)
"""

import sys

from medref import entry

entry._exit = sys.exit  # the one difference from the installed command
sys.argv[0] = "medref"
entry.main()
