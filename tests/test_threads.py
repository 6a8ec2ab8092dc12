"""Under load (issue 12): training and prediction called from several threads at once give
what they give one at a time.  The lstm's buffer pool is shared between threads (taken
under a lock, never two owners), and each thread has its own tape (dlfeval)."""
import threading

import numpy as np

import dlarr as dl


def _problem(seed, n=16):
    rs = np.random.default_rng(seed)
    X = [rs.standard_normal((3, int(k))) for k in rs.integers(4, 15, n)]
    Y = dl.categorical(["a" if x[0].mean() > 0 else "b" for x in X])
    return X, Y


def _layers(seed, H):
    """Layers with their learnables set (no draws from the shared generator in training)."""
    dl.rng(seed)
    net = dl.SeriesNetwork([dl.sequenceInputLayer(3), dl.lstmLayer(H, OutputMode="last"),
                            dl.fullyConnectedLayer(2), dl.softmaxLayer(),
                            dl.classificationLayer()])
    return list(net.Layers)


def _in_threads(jobs):
    out, errors = [None] * len(jobs), []

    def run(i, job):
        try:
            out[i] = job()
        except BaseException as e:                  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    return out


def test_training_and_prediction_in_threads_equal_one_at_a_time():
    opts = dl.trainingOptions("adam", MaxEpochs=3, MiniBatchSize=4, Shuffle="never",
                              Verbose=False)
    problems = [(_problem(s), _layers(s, H)) for s, H in ((0, 5), (1, 8), (2, 5), (3, 11))]

    def train(k):
        (X, Y), layers = problems[k]
        net = dl.trainNetwork(X, Y, layers, opts)
        return [dl.extractdata(v).copy() for v in net.Learnables.Value], \
            dl.predict(net, X, MiniBatchSize=3)

    alone = [train(k) for k in range(len(problems))]
    together = _in_threads([lambda k=k: train(k) for k in range(len(problems))] * 2)
    for k, (learnables, scores) in enumerate(together):
        ref_learnables, ref_scores = alone[k % len(problems)]
        for a, b in zip(learnables, ref_learnables):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(scores, ref_scores)


def test_gradients_in_threads_are_each_threads_own():
    rs = np.random.default_rng(4)
    cases = []
    for H in (3, 6, 9, 12):
        W, R, b = rs.standard_normal((4 * H, 5)), rs.standard_normal((4 * H, H)), \
            rs.standard_normal((4 * H, 1))
        X = dl.dlarray(rs.standard_normal((5, 4, 20)), "CBT")
        cases.append((X, dl.dlarray(W), dl.dlarray(R), dl.dlarray(b), H))

    def grad(case):
        X, W, R, b, H = case

        def f(W, R, b):
            Y, _, _ = dl.lstm(X, np.zeros((H, 1)), np.zeros((H, 1)), W, R, b)
            return dl.dlgradient(dl.sum(Y * Y, "all"), [W, R, b])
        return [dl.extractdata(g).copy() for g in dl.dlfeval(f, W, R, b)]

    alone = [grad(c) for c in cases]
    together = _in_threads([lambda c=c: grad(c) for c in cases] * 3)
    for k, grads in enumerate(together):
        for a, b in zip(grads, alone[k % len(cases)]):
            np.testing.assert_array_equal(a, b)
