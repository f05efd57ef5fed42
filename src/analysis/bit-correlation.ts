/**
 * How far a class's code bits are from independent, the assumption behind the BMM's components: pairwise
 * mutual information between bits, and the held-out likelihood of a model that does capture pairwise
 * dependence (a Chow-Liu tree, Chow & Liu 1968) against independent bits and against the mixture.
 * Codes are row-major [n x d] 0/1; all statistics in float64 with add-alpha smoothing.
 */

/** Pair counts of 1-1 over rows: C[i][j] = #rows with bit i and bit j on (symmetric [d x d]), and per-bit counts. */
export function pairCounts(codes: ArrayLike<number>, n: number, d: number): { ones: Float64Array; both: Float64Array } {
  const ones = new Float64Array(d);
  const both = new Float64Array(d * d);
  const on: number[] = [];
  for (let r = 0; r < n; r++) {
    on.length = 0;
    for (let j = 0; j < d; j++) if (codes[r * d + j]) on.push(j);
    for (const a of on) {
      ones[a]++;
      for (const b of on) both[a * d + b]++;
    }
  }
  return { ones, both };
}

/** Mutual information (nats) between every pair of bits from their 2x2 joint counts, smoothed by alpha; diagonal 0. */
export function pairwiseMutualInformation(codes: ArrayLike<number>, n: number, d: number, alpha = 0.5): Float64Array {
  const { ones, both } = pairCounts(codes, n, d);
  const mi = new Float64Array(d * d);
  const tot = n + 4 * alpha;
  for (let a = 0; a < d; a++) {
    for (let b = a + 1; b < d; b++) {
      const n11 = both[a * d + b] + alpha;
      const n10 = ones[a] - both[a * d + b] + alpha;
      const n01 = ones[b] - both[a * d + b] + alpha;
      const n00 = n - ones[a] - ones[b] + both[a * d + b] + alpha;
      const pa = (n11 + n10) / tot;
      const pb = (n11 + n01) / tot;
      let v = 0;
      for (const [nab, qa, qb] of [
        [n11, pa, pb],
        [n10, pa, 1 - pb],
        [n01, 1 - pa, pb],
        [n00, 1 - pa, 1 - pb],
      ]) {
        const p = nab / tot;
        if (p > 0) v += p * Math.log(p / (qa * qb));
      }
      mi[a * d + b] = v;
      mi[b * d + a] = v;
    }
  }
  return mi;
}

/** The same codes with every column shuffled independently (seeded): the independent null with identical marginals. */
export function shuffleColumns(codes: ArrayLike<number>, n: number, d: number, random: () => number): Float32Array {
  const out = new Float32Array(n * d);
  const col = new Float32Array(n);
  for (let j = 0; j < d; j++) {
    for (let r = 0; r < n; r++) col[r] = codes[r * d + j];
    for (let r = n - 1; r > 0; r--) {
      const k = Math.floor(random() * (r + 1));
      const t = col[r];
      col[r] = col[k];
      col[k] = t;
    }
    for (let r = 0; r < n; r++) out[r * d + j] = col[r];
  }
  return out;
}

/** A Chow-Liu tree over bits: parent of each bit (-1 for the root) and its conditional tables, smoothed. */
export interface ChowLiuTree {
  parent: Int32Array;
  /** P(bit = 1 | parent = 0) and P(bit = 1 | parent = 1); for the root both are P(bit = 1). */
  p1given0: Float64Array;
  p1given1: Float64Array;
}

/** Fit a Chow-Liu tree: the maximum spanning tree of pairwise mutual information (Prim), then smoothed conditionals. */
export function fitChowLiu(codes: ArrayLike<number>, n: number, d: number, alpha = 0.5): ChowLiuTree {
  const mi = pairwiseMutualInformation(codes, n, d, alpha);
  const parent = new Int32Array(d).fill(-1);
  const inTree = new Uint8Array(d);
  const best = new Float64Array(d).fill(-Infinity);
  const from = new Int32Array(d).fill(-1);
  best[0] = 0;
  for (let it = 0; it < d; it++) {
    let u = -1;
    for (let j = 0; j < d; j++) if (!inTree[j] && (u < 0 || best[j] > best[u])) u = j;
    inTree[u] = 1;
    parent[u] = from[u];
    for (let j = 0; j < d; j++)
      if (!inTree[j] && mi[u * d + j] > best[j]) {
        best[j] = mi[u * d + j];
        from[j] = u;
      }
  }
  const { ones, both } = pairCounts(codes, n, d);
  const p1given0 = new Float64Array(d);
  const p1given1 = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const p = parent[j];
    if (p < 0) {
      p1given0[j] = p1given1[j] = (ones[j] + alpha) / (n + 2 * alpha);
      continue;
    }
    const n11 = both[j * d + p];
    p1given1[j] = (n11 + alpha) / (ones[p] + 2 * alpha);
    p1given0[j] = (ones[j] - n11 + alpha) / (n - ones[p] + 2 * alpha);
  }
  return { parent, p1given0, p1given1 };
}

/** Mean log-likelihood per code (nats) of rows under a Chow-Liu tree. */
export function chowLiuLogLikelihood(t: ChowLiuTree, codes: ArrayLike<number>, n: number, d: number): number {
  let ll = 0;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) {
      const p = t.parent[j];
      const q = p < 0 || !codes[r * d + p] ? t.p1given0[j] : t.p1given1[j];
      ll += Math.log(codes[r * d + j] ? q : 1 - q);
    }
  }
  return ll / n;
}

/** Mean log-likelihood per code (nats) under independent bits with smoothed frequencies fitted on `train`. */
export function independentLogLikelihood(train: ArrayLike<number>, nTrain: number, test: ArrayLike<number>, nTest: number, d: number, alpha = 0.5): number {
  const p = new Float64Array(d);
  for (let r = 0; r < nTrain; r++) for (let j = 0; j < d; j++) p[j] += train[r * d + j];
  for (let j = 0; j < d; j++) p[j] = (p[j] + alpha) / (nTrain + 2 * alpha);
  let ll = 0;
  for (let r = 0; r < nTest; r++) for (let j = 0; j < d; j++) ll += Math.log(test[r * d + j] ? p[j] : 1 - p[j]);
  return ll / nTest;
}

/** Mean log-likelihood per code (nats) under a Bernoulli mixture (mu [K x d], pi [K]), log-sum-exp over components. */
export function mixtureLogLikelihood(mu: ArrayLike<number>, pi: ArrayLike<number>, K: number, codes: ArrayLike<number>, n: number, d: number): number {
  let ll = 0;
  const lk = new Float64Array(K);
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < K; k++) {
      let s = Math.log(pi[k]);
      for (let j = 0; j < d; j++) s += Math.log(codes[r * d + j] ? mu[k * d + j] : 1 - mu[k * d + j]);
      lk[k] = s;
    }
    const m = Math.max(...lk);
    let e = 0;
    for (let k = 0; k < K; k++) e += Math.exp(lk[k] - m);
    ll += m + Math.log(e);
  }
  return ll / n;
}

/** One class's codes, row-major [n x d] 0/1, split into the rows models are fitted on and held-out rows. */
export interface ClassCodeSplit {
  train: ArrayLike<number>;
  nTrain: number;
  test: ArrayLike<number>;
  nTest: number;
}

/** What the shuffled-columns test found: how many bit pairs carry more information than independent bits would. */
export interface ShuffledNullResult {
  /** Bit pairs (over all classes) whose mutual information exceeds the q-quantile of their class's shuffled codes. */
  above: number;
  pairs: number;
  /** above / pairs; about 1 - q when the bits of a class are independent. */
  fractionAbove: number;
  /** Every `sampleEvery`-th pair's MI (nats), real and shuffled, for histograms. */
  sampleReal: number[];
  sampleNull: number[];
  meanReal: number;
  meanNull: number;
}

/**
 * Are a class's bits independent given the class (the BMM's K = 1 assumption)? Each class's pairwise mutual
 * information is compared with that of the same codes with every column shuffled on its own (independent bits
 * with the same frequencies): the fraction of pairs above the shuffled codes' q-quantile is 1 - q under independence.
 */
export function shuffledNullTest(classes: ClassCodeSplit[], d: number, random: () => number, q = 0.99, sampleEvery = 7): ShuffledNullResult {
  const upper = (mi: Float64Array) => {
    const v: number[] = [];
    for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) v.push(mi[a * d + b]);
    return v;
  };
  const sampleReal: number[] = [];
  const sampleNull: number[] = [];
  let above = 0;
  let pairs = 0;
  let sumReal = 0;
  let sumNull = 0;
  for (const c of classes) {
    const real = upper(pairwiseMutualInformation(c.train, c.nTrain, d));
    const nul = upper(pairwiseMutualInformation(shuffleColumns(c.train, c.nTrain, d, random), c.nTrain, d));
    const floor = [...nul].sort((x, y) => x - y)[Math.floor(q * nul.length)];
    above += real.filter((v) => v > floor).length;
    pairs += real.length;
    for (let i = 0; i < real.length; i++) {
      sumReal += real[i];
      sumNull += nul[i];
      if (i % sampleEvery === 0) {
        sampleReal.push(real[i]);
        sampleNull.push(nul[i]);
      }
    }
  }
  return { above, pairs, fractionAbove: above / pairs, sampleReal, sampleNull, meanReal: sumReal / pairs, meanNull: sumNull / pairs };
}

/**
 * Held-out log-likelihood per code, averaged over classes, of three models of a class's bits: independent bits,
 * the class's fitted BMM (mu [K x d] and pi [K] per class, as fitBernoulliMixtures returns them, classes in order),
 * and a Chow-Liu tree: how much of the bits' dependence a mixture captures, against a model built for it. Each
 * class's own values too (`perClass`), for a paired comparison over classes.
 */
export function heldOutLogLikelihoods(
  classes: ClassCodeSplit[],
  bmm: { mu: ArrayLike<number>; pi: ArrayLike<number> },
  K: number,
  d: number,
): { independent: number; bmm: number; chowLiu: number; perClass: { independent: number[]; bmm: number[]; chowLiu: number[] } } {
  const perClass = { independent: [] as number[], bmm: [] as number[], chowLiu: [] as number[] };
  const mu = Float32Array.from(bmm.mu);
  const pi = Float32Array.from(bmm.pi);
  classes.forEach((c, i) => {
    perClass.independent.push(independentLogLikelihood(c.train, c.nTrain, c.test, c.nTest, d));
    perClass.bmm.push(mixtureLogLikelihood(mu.subarray(i * K * d, (i + 1) * K * d), pi.subarray(i * K, (i + 1) * K), K, c.test, c.nTest, d));
    perClass.chowLiu.push(chowLiuLogLikelihood(fitChowLiu(c.train, c.nTrain, d), c.test, c.nTest, d));
  });
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return { independent: mean(perClass.independent), bmm: mean(perClass.bmm), chowLiu: mean(perClass.chowLiu), perClass };
}
