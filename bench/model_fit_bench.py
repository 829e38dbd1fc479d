"""Model fitting benchmark: every model on the demo store, and the propensity models beside pandas.

- project: `genome.models.fit.fit_models` on a copy of the store: all nine
  models trained before their cut-off, judged after it, refitted, scored and
  published into the genome; the total is checked against the 2-minute target;
- like for like: purchase propensity, churn risk and discount sensitivity,
  each trained, evaluated, refitted and scored the same way, once with the
  project's features (DuckDB) and once with the same features from pandas
  group-bys (`pandas_features.py`), in the same run. The two feature tables
  agree (checked) up to the order of floating-point sums, which can move a
  boosting split and the AUC in the third decimal.

    python bench/model_fit_bench.py --db STORE          # e.g. the demo store `make run` builds
    python bench/model_fit_bench.py --customers 20000   # generate a demo store first
"""

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from genome.models import churn, discount, propensity
from genome.models.features import store_as_of
from genome.models.fit import fit_models
from genome.models.published import model_cards
from genome.models.tasks import Frames, run_binary
from store.duck import connect

from pandas_features import load_events, pandas_features  # noqa: E402  (bench/ is on the path)

TASKS = (propensity.TASK, churn.TASK, discount.TASK)
TARGET_SECONDS = 120


class PandasFrames(Frames):
    """The same frames with features computed by pandas group-bys."""

    def features(self, cutoff):
        if cutoff not in self._features:
            frame = pandas_features(load_events(self.con, cutoff))
            frame.index = frame.index.astype(str)
            frame.index.name = "customer_id"
            self._features[cutoff] = frame[frame.index.isin(self.consented)]
        return self._features[cutoff]


def like_for_like(con, frames_class) -> tuple[float, list[float], Frames]:
    frames = frames_class(con, store_as_of(con))
    started = time.perf_counter()
    aucs = [run_binary(frames, task).card["metrics"]["roc_auc"] for task in TASKS]
    return time.perf_counter() - started, aucs, frames


def demo_store(folder: Path, customers: int) -> Path:
    from synthetic.demo import build_demo
    from genome.genes.build import build_genome

    con = connect(folder / "demo.duckdb")
    build_demo(con, folder / "sources", customers=customers, seed=7)
    build_genome(con)
    con.close()
    return folder / "demo.duckdb"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--customers", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        source = args.db or demo_store(tmp, args.customers)
        store = tmp / "fit.duckdb"
        shutil.copyfile(source, store)
        con = connect(store)
        customers = con.execute("SELECT count(*) FROM customers").fetchone()[0]
        report = fit_models(con)
        cards = model_cards(con)
        project_s, project_auc, ours = like_for_like(con, Frames)
        pandas_s, pandas_auc, theirs = like_for_like(con, PandasFrames)
        con.close()
    for cutoff, X in ours._features.items():
        B = theirs._features[cutoff].reindex(X.index)[X.columns]
        if not np.allclose(B.to_numpy(), X.to_numpy(), rtol=1e-9, atol=1e-6):
            raise SystemExit(f"the pandas features differ from the project's as of {cutoff}")
    print(f"store: {customers:,} customers")
    for card in cards:
        print(f"  {card['title']:<32} {card['fit_seconds']:6.1f} s")
    verdict = "met" if report.seconds < TARGET_SECONDS else "NOT met"
    print(f"project, all {report.models} models fitted, judged, scored, published  {report.seconds:6.1f} s  "
          f"(target under {TARGET_SECONDS} s: {verdict})")
    print(f"project, propensity + churn + discount (DuckDB features)     {project_s:6.1f} s  "
          f"AUC {', '.join(f'{a:.3f}' for a in project_auc)}")
    print(f"pandas,  propensity + churn + discount (pandas features)     {pandas_s:6.1f} s  "
          f"AUC {', '.join(f'{a:.3f}' for a in pandas_auc)}")
    print(f"ratio pandas/project                                           {pandas_s / project_s:6.1f}x")


if __name__ == "__main__":
    main()
