"""Scoring without the learners' Python packages (issue 12 §5: `score --ticket` ≤ 1 s):
LightGBM's trees through its C library, logistic regression as arrays, the text hash by
mmh3 — each the same numbers, bit for bit, as the packages they stand in for."""

from __future__ import annotations

import pickle
import random
import subprocess
import sys
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest
from sklearn.utils import murmurhash3_32

from cxpulse.ml import model as M
from cxpulse.ml.model import SatisfactionModel
from cxpulse.ml.trees import Trees, booster
from tests.ml.test_model import dataset, slow_reply_label

ROOT = Path(__file__).resolve().parents[2]


def _lgbm_data(seed: int = 0, n: int = 3000):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    X[rng.random((n, 6)) < 0.1] = np.nan  # missing values go the learned default way
    X[:, 4] = rng.integers(0, 12, size=n)  # a categorical column, with a code never seen in training below
    X[:, 5] = np.where(rng.random(n) < 0.3, 0.0, X[:, 5])  # zeros beside NaNs
    y = (np.nan_to_num(X[:, 0]) + (X[:, 4] % 3 == 0) + rng.normal(size=n) > 0.5).astype(float)
    return X, y


def test_trees_predict_lightgbms_margins_and_leaves_bit_for_bit():
    X, y = _lgbm_data()
    params = {"objective": "binary", "num_leaves": 15, "max_depth": 6, "verbosity": -1, "num_threads": 1,
              "min_data_in_leaf": 20, "max_cat_to_onehot": 4}
    real = lgb.train(params, lgb.Dataset(X, label=y, categorical_feature=[4]), num_boost_round=60)
    text = real.model_to_string()
    trees = booster(text)
    assert isinstance(trees, Trees)
    Xt, _ = _lgbm_data(seed=1, n=500)
    Xt[:7, 4] = 99.0  # an unseen category
    np.testing.assert_array_equal(trees.predict(Xt, raw_score=True), real.predict(Xt, raw_score=True, num_threads=1))
    leaves = trees.predict(Xt, pred_leaf=True)
    np.testing.assert_array_equal(leaves, real.predict(Xt, pred_leaf=True, num_threads=1))
    assert leaves.dtype == np.int32 and leaves.shape == (500, 60)
    assert trees.predict(Xt[:0], raw_score=True).shape == (0,)
    # pickled as its text; anything else is asked of a real Booster
    again = pickle.loads(pickle.dumps(trees))
    np.testing.assert_array_equal(again.predict(Xt, raw_score=True), trees.predict(Xt, raw_score=True))
    assert again.model_to_string() == text and again.num_trees() == 60


def test_a_stored_model_scores_as_the_fitted_one_for_every_learner():
    train = dataset(400, slow_reply_label, seed=3)
    test = dataset(120, slow_reply_label, seed=4, start=10_000)
    for learner in ("lgbm", "logreg"):
        fitted = SatisfactionModel(learner=learner, seed=0).fit(train)
        stored = SatisfactionModel.from_bytes(fitted.to_bytes())
        np.testing.assert_array_equal(stored.predict_proba(test.snapshots), fitted.predict_proba(test.snapshots))
        assert stored.score(test.snapshots) == fitted.score(test.snapshots)
    assert isinstance(stored.logreg_, M._Linear)  # plain arrays, no scikit-learn estimator in the pickle


def test_a_stored_model_names_no_module_and_one_stored_by_module_path_still_loads():
    """Stored models name cxpulse's classes by key, so a class may move between modules;
    a model stored before the keys, naming them by their old paths (the text model was
    `cxpulse.ml.model._TextModel`), loads and scores as it did."""
    train = dataset(300, slow_reply_label, seed=5)
    test = dataset(60, slow_reply_label, seed=6, start=10_000)
    fitted = SatisfactionModel(learner="blend", seed=0).fit(train)
    assert b"cxpulse" not in fitted.to_bytes()
    # pickled by path, as `to_bytes` did before the keys; protocol 2 writes each path as text
    old = pickle.dumps({"format": M.FORMAT, "model": fitted}, protocol=2)
    assert b"ccxpulse.ml.text_model\nTextModel\n" in old
    old = old.replace(b"ccxpulse.ml.text_model\nTextModel\n", b"ccxpulse.ml.model\n_TextModel\n")
    assert not hasattr(M, "_TextModel")  # so the old path is read by `_PATHS`, not by an alias
    stored = SatisfactionModel.from_bytes(old)
    assert type(stored.text_model_).__name__ == "TextModel"
    assert stored.score(test.snapshots) == fitted.score(test.snapshots)
    with pytest.raises(ValueError, match="does not know"):
        SatisfactionModel.from_bytes(fitted.to_bytes().replace(b"TextModel", b"TextModeX"))


def test_linear_arrays_decide_as_scikit_learns_logistic_regression():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 9))
    y = X[:, 0] + rng.normal(size=300) > 0
    lr = LogisticRegression(max_iter=200).fit(X, y)
    np.testing.assert_array_equal(M._Linear.of(lr).decision_function(X), lr.decision_function(X))


def test_a_few_rows_add_up_their_leaves_as_the_sparse_product_does(monkeypatch):
    from cxpulse.ml import explain

    train = dataset(400, slow_reply_label, seed=5)
    model = SatisfactionModel(learner="lgbm", seed=0).fit(train)
    X = model._design(train.snapshots[:200])
    monkeypatch.setattr(explain, "_FEW_TREES", 0)
    many, margin_many = model._contributions(X)  # 200 rows: the sparse product
    for a in range(0, 200, 40):  # ≤ _FEW_ROWS rows: numpy alone
        few, margin_few = model._contributions({k: v[a : a + 40] for k, v in X.items()})
        np.testing.assert_array_equal(few, many[a : a + 40])
        np.testing.assert_array_equal(margin_few, margin_many[a : a + 40])
    # a model of few trees adds 200 rows a tree at a time too, when scipy.sparse is not loaded
    monkeypatch.setattr(explain, "_FEW_TREES", 10_000)
    monkeypatch.delitem(sys.modules, "scipy.sparse")
    tree_at_a_time, margin = model._contributions(X)
    assert "scipy.sparse" not in sys.modules
    np.testing.assert_array_equal(tree_at_a_time, many)
    np.testing.assert_array_equal(margin, margin_many)


def test_the_text_hash_is_scikit_learns_murmurhash():
    from mmh3 import hash as mmh3_hash

    rng = random.Random(1)
    alphabet = "abcxyz äöüςσΩδε нерабо ėląž日本🙂"
    for _ in range(20_000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        for seed in (7, 17, 108, 118):
            assert mmh3_hash(s, seed, False) == murmurhash3_32(s, seed=seed, positive=True)


def test_scoring_a_stored_model_loads_no_learner_package(tmp_path):
    """What `cxpulse score --ticket` imports: numpy and LightGBM's C library, never
    scikit-learn, scipy or the lightgbm package (~1.5 s of start-up)."""
    train = dataset(300, slow_reply_label, seed=6)
    for learner in ("lgbm", "logreg"):
        model = SatisfactionModel(learner=learner, seed=0).fit(train)
        (tmp_path / "model.bin").write_bytes(model.to_bytes())
        (tmp_path / "snaps.pkl").write_bytes(pickle.dumps(train.snapshots[:3]))
        code = (
            "import pickle, sys\n"
            "from pathlib import Path\n"
            "from cxpulse.ml.model import SatisfactionModel\n"
            f"d = Path({str(tmp_path)!r})\n"
            "m = SatisfactionModel.from_bytes((d / 'model.bin').read_bytes())\n"
            "scored = m.score(pickle.loads((d / 'snaps.pkl').read_bytes()))\n"
            "assert len(scored) == 3 and all(s.reasons for s in scored)\n"
            "print(sorted(p for p in ('sklearn', 'scipy', 'lightgbm') if p in sys.modules))\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={"PYTHONPATH": str(ROOT / "src") + ":" + str(ROOT), "PATH": "/usr/bin:/bin"})
        assert out.stdout.strip() == "[]", (learner, out.stdout, out.stderr)


@pytest.mark.parametrize("fmt", [0, 1])
def test_a_model_stored_in_an_older_format_asks_to_retrain(fmt):
    with pytest.raises(ValueError, match=rf"format {fmt} .*this one reads format {M.FORMAT}: retrain the model"):
        SatisfactionModel.from_bytes(pickle.dumps({"format": fmt, "model": None}))


def test_a_model_trained_on_other_features_is_refused_with_a_retrain_message():
    """A cxpulse that added features (issue 16's SLA ones) must not score with a model
    trained before them: it says to retrain instead of failing on the matrices' shapes."""
    model = SatisfactionModel(learner="blend", seed=0).fit(dataset(300, slow_reply_label, seed=7))
    assert SatisfactionModel.from_bytes(model.to_bytes()).numeric_ == M.NUMERIC
    older = SatisfactionModel.from_bytes(model.to_bytes())
    older.numeric_ = M.NUMERIC[:-2]  # two features fewer, named
    with pytest.raises(ValueError, match="retrain the model"):
        SatisfactionModel.from_bytes(older.to_bytes())
    del older.__dict__["numeric_"]  # stored before the names were: the tables' width tells
    older.paths_ = (older.paths_[0][:, 2:], *older.paths_[1:])
    older.linear_ = {**older.linear_, "median": older.linear_["median"][2:]}
    with pytest.raises(ValueError, match="trained on 24 numeric features|numeric features"):
        SatisfactionModel.from_bytes(older.to_bytes())
