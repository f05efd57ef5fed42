"""scikit-learn peer for the kit's SVM benchmark: LinearSVC as FeTrIL's train_classifiers.py calls it.

Reads <dir>/x.f32 [N, D], y.i32 [N], t.f32 [M, D], shape.json; fits LinearSVC(penalty='l2', dual=False, tol=1e-4,
C=1, multi_class='ovr', fit_intercept=True, intercept_scaling=1) on the (already L2-normalised) rows, prints JSON:
fit seconds, the weights [(D + 1) x C] and the test predictions. Run by bench/svm.ts; Debian's python3-sklearn.
"""
import json
import sys
import time

import numpy as np
import sklearn
from sklearn.svm import LinearSVC

d = sys.argv[1]
shape = json.load(open(f"{d}/shape.json"))
N, M, D = shape["N"], shape["M"], shape["D"]
X = np.fromfile(f"{d}/x.f32", dtype=np.float32).reshape(N, D).astype(np.float64)
y = np.fromfile(f"{d}/y.i32", dtype=np.int32)
T = np.fromfile(f"{d}/t.f32", dtype=np.float32).reshape(M, D).astype(np.float64)
t0 = time.perf_counter()
clf = LinearSVC(penalty="l2", dual=False, tol=1e-4, C=1.0, multi_class="ovr", fit_intercept=True, intercept_scaling=1)
clf.fit(X, y)
secs = time.perf_counter() - t0
W = np.vstack([clf.coef_.T, clf.intercept_[None, :]])
print(json.dumps({"seconds": secs, "sklearn": sklearn.__version__, "W": W.ravel().tolist(), "p": clf.predict(T).tolist()}))
