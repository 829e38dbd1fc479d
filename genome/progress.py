"""How long work reports as it goes, the same everywhere: `progress(step, done, total)` names the step it is on
and how many of how many steps are done. The command line draws it as a bar; the app as a progress box."""

from collections.abc import Callable

Progress = Callable[[str, int, int], None]
