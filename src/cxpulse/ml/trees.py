"""A fitted LightGBM model that predicts through LightGBM's own C library, without its
Python package.

Why: `import lightgbm` imports scikit-learn and scipy first (its `compat` module: ~1 s of
the ~2.8 s a `cxpulse score --ticket` took, measured with `python -X importtime`), and
one ticket must be scored within 1 s, start-up included. Predicting needs two calls of
the library's stable C API — `LGBM_BoosterLoadModelFromString` and
`LGBM_BoosterPredictForMat` — the very calls `lightgbm.Booster.predict` makes, on the same
float64 rows with the same parameters, so margins and leaves are LightGBM's own, bit for
bit (tests/ml/test_trees.py). Anything else asked of the model goes to a real
`lightgbm.Booster`, made from the same text on first use.
"""

from __future__ import annotations

import ctypes
import importlib.util
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Trees", "booster"]

_FLOAT64 = 1  # C_API_DTYPE_FLOAT64
_ROW_MAJOR = 1
_RAW_SCORE, _LEAF_INDEX = 1, 2  # C_API_PREDICT_RAW_SCORE, C_API_PREDICT_LEAF_INDEX


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL | None:
    """lib_lightgbm from the installed lightgbm package, found without importing it (its
    own `libpath` looks in the same folders); None when it is not where a wheel puts it."""
    loaded = sys.modules.get("lightgbm.libpath")
    if loaded is not None:
        lib = loaded._LIB
        lib.LGBM_GetLastError.restype = ctypes.c_char_p
        return lib
    spec = importlib.util.find_spec("lightgbm")
    if spec is None or not spec.submodule_search_locations:
        return None
    name = {"win32": "lib_lightgbm.dll", "darwin": "lib_lightgbm.dylib"}.get(sys.platform, "lib_lightgbm.so")
    for folder in spec.submodule_search_locations:
        base = Path(folder)
        for path in (base.parent / name, base / "bin" / name, base / "lib" / name):
            if path.is_file():
                lib = ctypes.cdll.LoadLibrary(str(path))
                lib.LGBM_GetLastError.restype = ctypes.c_char_p
                return lib
    return None


def _call(lib: ctypes.CDLL, ret: int) -> None:
    if ret != 0:
        raise RuntimeError(f"LightGBM: {lib.LGBM_GetLastError().decode('utf-8', 'replace')}")


class Trees:
    """LightGBM trees loaded from their text form; `predict` as `lightgbm.Booster.predict`
    with `raw_score=True` or `pred_leaf=True` (the two the satisfaction model uses)."""

    def __init__(self, model_str: str, lib: ctypes.CDLL) -> None:
        self._text = model_str
        self._lib = lib
        self._handle = ctypes.c_void_p()
        iterations = ctypes.c_int(0)
        _call(lib, lib.LGBM_BoosterLoadModelFromString(
            ctypes.c_char_p(model_str.encode("utf-8")), ctypes.byref(iterations), ctypes.byref(self._handle)))
        self._real: Any = None

    def predict(
        self, X: np.ndarray, *, raw_score: bool = False, pred_leaf: bool = False, num_threads: int = 1, **other: Any
    ) -> np.ndarray:
        """Each row's raw margin (n,), or the leaf it falls in per tree (n × trees, int32);
        anything else (probabilities, SHAP, some of the trees) from the real Booster."""
        if raw_score == pred_leaf or any(v is not None for v in other.values()):
            return self._booster().predict(X, raw_score=raw_score, pred_leaf=pred_leaf, num_threads=num_threads,
                                           **other)
        kind = _LEAF_INDEX if pred_leaf else _RAW_SCORE
        X = np.ascontiguousarray(X, dtype=np.float64)
        nrow, ncol = X.shape
        lib = self._lib
        n_out = ctypes.c_int64(0)
        _call(lib, lib.LGBM_BoosterCalcNumPredict(self._handle, ctypes.c_int(nrow), ctypes.c_int(kind),
                                                  ctypes.c_int(0), ctypes.c_int(-1), ctypes.byref(n_out)))
        out = np.empty(n_out.value, dtype=np.float64)
        if nrow:
            got = ctypes.c_int64(0)
            _call(lib, lib.LGBM_BoosterPredictForMat(
                self._handle, X.ctypes.data_as(ctypes.c_void_p), ctypes.c_int(_FLOAT64), ctypes.c_int32(nrow),
                ctypes.c_int32(ncol), ctypes.c_int(_ROW_MAJOR), ctypes.c_int(kind), ctypes.c_int(0), ctypes.c_int(-1),
                ctypes.c_char_p(f"num_threads={int(num_threads)}".encode()), ctypes.byref(got),
                out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))))
        if pred_leaf:
            return out.astype(np.int32).reshape(nrow, -1)
        return out

    def model_to_string(self, num_iteration: int | None = None) -> str:
        if num_iteration is None:
            return self._text
        return self._booster().model_to_string(num_iteration=num_iteration)

    def _booster(self):
        if self._real is None:
            import lightgbm as lgb

            self._real = lgb.Booster(model_str=self._text)
        return self._real

    def __getattr__(self, name: str) -> Any:  # anything but predicting: the real Booster
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._booster(), name)

    def __getstate__(self) -> dict:
        return {"text": self._text}

    def __setstate__(self, state: dict) -> None:
        lib = _library()
        if lib is None:  # pragma: no cover - only an unusual lightgbm install
            raise RuntimeError("lib_lightgbm not found beside the lightgbm package")
        self.__init__(state["text"], lib)

    def __del__(self) -> None:
        handle = getattr(self, "_handle", None)
        if handle is not None and handle.value:
            self._lib.LGBM_BoosterFree(handle)
            self._handle = None


def booster(model_str: str):
    """The trees of this LightGBM model text, ready to predict: `Trees` through the C
    library, or a `lightgbm.Booster` when the library is not where the wheel puts it."""
    lib = _library()
    if lib is None:  # pragma: no cover - only an unusual lightgbm install
        import lightgbm as lgb

        return lgb.Booster(model_str=model_str)
    return Trees(model_str, lib)
