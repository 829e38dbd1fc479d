"""Life events from social posts: whose event it is, what it was, when, and whether it comes back.

`LifeEventClassifier` reads one post and says which of the author's own life
events it announces (birthday, wedding, new baby, graduation, moving house,
new job) or `none`, which includes other people's events: "my sister's
wedding" is not the author's wedding. It combines word and character TF-IDF
with a small lexicon of life-event words and of who a post is about (first
person against "my cousin", "congrats to Sam"); the lexicon is what lets it
read wordings it was never trained on.

It is trained on labelled synthetic posts and judged on whole wording
templates it has not seen (grouped folds), the honest test for text that
real people will phrase their own way.
"""

import re
from datetime import datetime

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report, f1_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline, make_union
from sklearn.utils.validation import check_is_fitted

from genome.synth_text import LIFE_EVENTS, POST_TEMPLATES, SLOTS, _fill, post_template_id

NONE = "none"
RECURRING = {"birthday": "birthday", "wedding": "wedding_anniversary"}

# Words and emoji that announce each event, in any wording.
EVENT_WORDS = {
    "birthday": r"🎂|🎈|🎁|🥳|birthday|bday|b-day|hbd|year older|years? old|around the sun|candles|\bturns? \d+|"
                r"\d+(st|nd|rd|th)\b|cake",
    "wedding": r"💍|💒|👰|🤵|love of my life|just married|got married|wedd|married|marry|marriage|\bi do\b|vows|"
               r"hitched|mrs\b|mr\b|honeymoon|ti(e|ed|ing) the knot|maid of honou?r|best man|officiat|last name|"
               r"first dance|bride|groom|newlywed|\bring\b|engaged",
    "new_baby": r"👶|🍼|🧸|baby (girl|boy)|our (son|daughter)|days old|grand entrance|"
                r"family (just )?got (a little )?bigger|(mom|dad|mum) today|\bbaby|babies|newborn|born\b|"
                r"little one|lbs|diaper|nappies|bottles|nephew|niece|pregnan|\bparents\b|maternity|paternity|"
                r"welcome to the world|became a (mom|dad|mum)|i'?m a (mom|dad|mum)",
    "graduation": r"🎓|📜|graduat|diploma|degree|commencement|alum|tassel|\bcap\b|thesis|finals|\bschool|semester|"
                  r"college|university|class of|\bdr\.",
    "moving_house": r"🏡|📦|🔑|🚚|🏠|\bmov(e|ed|ing)\b|relocat|keys|new (place|house|home|apartment|flat|address|"
                    r"neighbou?rhood|city)|apartment|boxes|unpack|\blease\b|housewarming|u-haul|homeowner|"
                    r"closed on|mortgage|sold the (old )?house|first place",
    "new_job": r"💼|\bjob\b|position|\brole\b|offer( letter)?|onboard|promot|new team|hired|first day|joined|"
               r"joining|company|\bgig\b|badge|\bdesk\b|career|interview|new chapter|last day at",
}
# The author speaking about themselves.
SELF_WORDS = r"\b(i|i'm|im|i've|i'd|we|we're|we've|our|us|me|my (birthday|bday|wish|husband|wife|partner|fianc))\b"
RELATIONS = (r"sister|brother|cousin|best friend|bestie|coworker|colleague|neighbou?r|roommate|aunt|uncle|"
             r"oldest friend|teammate|son|daughter|niece|nephew|kid|little brother|little sister|godson|"
             r"goddaughter|stepdaughter|stepson|mom|dad|mum|grandma|grandpa|mother-in-law|father-in-law|"
             r"sister-in-law|brother-in-law|friend|boss|parents")
# Someone else's event: a relation, a congratulation, a third person.
OTHER_WORDS = (rf"\bmy ({RELATIONS})|\b(is|are) (officially )?(married|engaged|a graduate)|\bjust had\b|"
               r"shower for|(speech|duties)\b|congrat|proud of|so happy for|\bher\b|\bhis\b|\bshe\b|\bhe\b|"
               r"\btheir\b")
NAMED = re.compile(r"\b[A-Z][a-z]+'s\b|\bto (my )?[A-Z][a-z]+\b")


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Counts of event words, of self and other cues, and their products, log-scaled."""

    def __init__(self, weight: float = 3.0):
        self.weight = weight

    def fit(self, texts, y=None) -> "LexiconFeatures":
        self.events_ = {k: re.compile(v, re.IGNORECASE) for k, v in EVENT_WORDS.items()}
        self.self_ = re.compile(SELF_WORDS, re.IGNORECASE)
        self.other_ = re.compile(OTHER_WORDS, re.IGNORECASE)
        return self

    def transform(self, texts) -> sparse.csr_matrix:
        check_is_fitted(self, "events_")
        rows = []
        for text in texts:
            text = str(text)
            events = [len(p.findall(text)) for p in self.events_.values()]
            own = len(self.self_.findall(text))
            other = len(self.other_.findall(text)) + len(NAMED.findall(text))
            rows.append(events + [own, other] + [e * own for e in events] + [e * other for e in events])
        return sparse.csr_matrix(np.log1p(np.asarray(rows, dtype=float)) * self.weight)


class LifeEventClassifier(ClassifierMixin, BaseEstimator):
    """Which of the author's own life events a post announces, or `none`."""

    def __init__(self, C: float = 10.0, lexicon_weight: float = 3.0, max_iter: int = 3000):
        self.C = C
        self.lexicon_weight = lexicon_weight
        self.max_iter = max_iter

    def fit(self, texts, labels) -> "LifeEventClassifier":
        texts = [str(t) for t in texts]
        if not texts:
            raise ValueError("LifeEventClassifier: no labelled posts to learn from")
        self.pipeline_ = make_pipeline(
            make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                       TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                       LexiconFeatures(weight=self.lexicon_weight)),
            LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight="balanced"),
        ).fit(texts, np.asarray(labels, dtype=str))
        self.classes_ = self.pipeline_.classes_
        self.n_train_ = len(texts)
        return self

    def predict_proba(self, texts) -> np.ndarray:
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.predict_proba([str(t) for t in texts])

    def predict(self, texts) -> np.ndarray:
        return self.classes_[self.predict_proba(texts).argmax(axis=1)]


def labelled_posts(*, variants: int = 30, seed: int = 0) -> pd.DataFrame:
    """Synthetic posts with their label and wording template: own events by name, everything else `none`."""
    rng = np.random.default_rng(seed)
    rows = []
    for (event, side), templates in POST_TEMPLATES.items():
        label = event if side == "self" else NONE
        for number, template in enumerate(templates):
            template_id = post_template_id(event, side, number)
            rows += [(_fill(template, SLOTS, rng), label, template_id) for _ in range(variants)]
    return pd.DataFrame(rows, columns=["text", "label", "template_id"])


def held_out_wording_report(posts: pd.DataFrame, *, folds: int = 5, **params) -> dict:
    """Macro F1 when every post is classified by a model that never saw its wording template."""
    predicted = np.empty(len(posts), dtype=object)
    for train, test in GroupKFold(n_splits=folds).split(posts, posts["label"], posts["template_id"]):
        model = LifeEventClassifier(**params).fit(posts["text"].iloc[train], posts["label"].iloc[train])
        predicted[test] = model.predict(posts["text"].iloc[test])
    truth = posts["label"].to_numpy(dtype=str)
    per_class = classification_report(truth, predicted.astype(str), output_dict=True, zero_division=0)
    return {
        "posts": int(len(posts)), "templates": int(posts["template_id"].nunique()), "folds": folds,
        "macro_f1": float(f1_score(truth, predicted.astype(str), average="macro")),
        "per_class_f1": {k: float(v["f1-score"]) for k, v in per_class.items() if k in (*LIFE_EVENTS, NONE)},
    }


def detect_occurrences(posts: pd.DataFrame, model: LifeEventClassifier, *, min_probability: float = 0.5,
                       same_event_days: int = 30) -> pd.DataFrame:
    """One row per customer and own life event found in their posts, dated by the posts about it.

    `posts`: customer_id, posted_at, text. Posts about one event spread over a
    few days around it; posts of the same event within `same_event_days` of
    each other are one occurrence, dated by their median.
    """
    columns = ["customer_id", "event", "event_date", "posts", "probability"]
    if posts.empty:
        return pd.DataFrame(columns=columns)
    proba = model.predict_proba(posts["text"])
    best = proba.argmax(axis=1)
    label = model.classes_[best]
    keep = (label != NONE) & (proba[np.arange(len(best)), best] >= min_probability)
    found = posts.loc[keep, ["customer_id", "posted_at"]].assign(
        event=label[keep], probability=proba[np.arange(len(best)), best][keep])
    found = found.sort_values(["customer_id", "event", "posted_at"])
    gap = found.groupby(["customer_id", "event"])["posted_at"].diff() > pd.Timedelta(days=same_event_days)
    found["occurrence"] = gap.groupby([found["customer_id"], found["event"]]).cumsum()
    grouped = found.groupby(["customer_id", "event", "occurrence"])
    out = grouped.agg(event_date=("posted_at", "median"), posts=("posted_at", "size"),
                      probability=("probability", "max")).reset_index()
    out["event_date"] = out["event_date"].dt.normalize()
    return out[columns]


def next_anniversary(dates: pd.Series, as_of: datetime) -> pd.Series:
    """Days from `as_of` to the next recurrence of each date (0 when it is today)."""
    today = pd.Timestamp(as_of).normalize()
    result = []
    for d in pd.to_datetime(dates):
        if pd.isna(d):
            result.append(np.nan)
            continue
        for year in (today.year, today.year + 1):
            try:
                candidate = d.replace(year=year)
            except ValueError:  # 29 February in a common year falls on the 28th
                candidate = d.replace(year=year, day=28)
            if candidate >= today:
                result.append(float((candidate - today).days))
                break
    return pd.Series(result, index=dates.index, dtype=float)
