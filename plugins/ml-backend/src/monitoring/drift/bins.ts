/**
 * The bins of a numeric feature, as a profile's `quantiles` (edges, non-decreasing)
 * describe them: bin j is [e_j, e_j+1), the last one closed [e_k-1, e_k]; where two
 * edges are equal, e_j = e_j+1 = v, bin j holds exactly the value v (an atom: a value
 * repeated so often that several quantiles fell on it, such as 0 for a count feature),
 * and the bins beside it exclude v. Values below the first edge fall in the first bin
 * and values above the last in the last, so every live value is counted.
 *
 * The builder counts the baseline and the drift metrics count the live sample with the
 * same `binIndex`, so both sides use the same bins.
 */

/**
 * The bin of `x` among `edges` (at least two, non-decreasing, no value three times).
 *
 * @internal
 */
export function binIndex(edges: ArrayLike<number>, x: number): number {
  const last = edges.length - 1;
  // j: the last edge ≤ x, by binary search.
  let lo = 0;
  let hi = last + 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  const j = lo - 1;
  if (j < 0) return 0;
  if (j >= last) return last - 1;
  // x equal to an atom's value belongs to the atom, the bin before j.
  if (j >= 1 && edges[j - 1] === x) return j - 1;
  return j;
}

/**
 * Whether bin `j` is an atom (its two edges are equal).
 *
 * @internal
 */
function isAtom(edges: ArrayLike<number>, j: number): boolean {
  return edges[j] === edges[j + 1];
}

/** An edge for a label: four significant digits, without trailing zeros. */
function formatEdge(x: number): string {
  return String(Number(x.toPrecision(4)));
}

/**
 * Labels of the bins for a histogram: `= v` for an atom, `[a, b)` for an interval and
 * `[a, b]` for the last.
 *
 * @internal
 */
export function binLabels(edges: ArrayLike<number>): string[] {
  const labels: string[] = [];
  for (let j = 0; j < edges.length - 1; j++) {
    const [a, b] = [formatEdge(edges[j]), formatEdge(edges[j + 1])];
    if (isAtom(edges, j)) labels.push(`= ${a}`);
    else labels.push(`[${a}, ${b}${j === edges.length - 2 ? ']' : ')'}`);
  }
  return labels;
}
