"""How a parallel run (`make test`: `pytest -n 2`) shares its tests between workers.

A file's tests go to one worker, so that a module's fixture is made once; the tests of every file that uses one
of the expensive session fixtures below go to one worker too, so that the fitted demo or Spark is made once
rather than once per worker.

Only a worker knows which fixtures a test uses, and only the controller schedules. So each worker writes each of
its tests' group to a folder the controller named, and the controller's scheduler reads them. (xdist's own
`--dist loadgroup` renames node ids to carry the group, which pytest 9.2 no longer lets a plugin do: the groups
were silently ignored.)
"""

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# expensive session fixture -> the group of every test that uses it
SHARED_FIXTURES = {"spark": "spark", "full_demo_db": "full_demo", "fitted_demo": "fitted_demo",
                   "one_channel_fitted": "one_channel"}
_FOLDER = "genome_test_groups"


def groups(items: list[pytest.Item]) -> dict[str, str]:
    """Each test's group: its file's, or the shared fixture's when any test of the file uses one."""
    of_file: dict[str, str] = {}
    for item in items:
        path = item.nodeid.split("::")[0]
        shared = [group for name, group in SHARED_FIXTURES.items() if name in item.fixturenames]
        if shared or path not in of_file:
            of_file[path] = shared[0] if shared else of_file.get(path, path)
    return {item.nodeid: of_file[item.nodeid.split("::")[0]] for item in items}


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    """Controller: the folder where the workers write their tests' groups."""
    config = node.config
    if not hasattr(config, "_genome_test_groups"):
        config._genome_test_groups = tempfile.mkdtemp(prefix="genome-test-groups-")
        atexit.register(shutil.rmtree, config._genome_test_groups, ignore_errors=True)
    node.workerinput[_FOLDER] = config._genome_test_groups


def write_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Worker: each collected test's group, for the controller's scheduler."""
    worker = getattr(config, "workerinput", None)
    if worker is None or _FOLDER not in worker:
        return
    path = Path(worker[_FOLDER]) / f"{worker['workerid']}.json"
    partial = path.with_suffix(f".{os.getpid()}.partial")
    partial.write_text(json.dumps(groups(items)))
    partial.replace(path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        """xdist's scheduling by scope, with the scope read from the groups the workers wrote."""

        groups: dict[str, str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:  # every worker has finished collecting when the first test is scheduled
                self.groups = {}
                for path in Path(config._genome_test_groups).glob("*.json"):
                    self.groups.update(json.loads(path.read_text()))
            return self.groups.get(nodeid) or super()._split_scope(nodeid)

    return SharedFixtureScheduling(config, log)
