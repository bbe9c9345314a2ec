/**
 * Fisher's exact test, two-sided, for a 2x2 table
 *
 *                 event   no event
 *     baseline      a        b
 *     candidate     c        d
 *
 * Used for stuck pods out of stops: counts are small (often 0 against a handful), where a
 * chi-square approximation would be wrong. The two-sided p sums the probabilities of every table
 * with the same margins that is no more likely than the observed one (the usual definition, with a
 * relative tolerance so equal probabilities computed in floating point count as equal).
 */
export function fisherExactTwoSided(a: number, b: number, c: number, d: number): number {
  for (const cell of [a, b, c, d]) {
    if (!Number.isInteger(cell) || cell < 0) throw new RangeError(`Fisher exact test needs non-negative integer counts, got ${cell}`);
  }
  const row1 = a + b;
  const col1 = a + c;
  const total = a + b + c + d;
  const logFactorial = logFactorials(total);
  const logDenominator = logFactorial[row1]! + logFactorial[total - row1]! + logFactorial[col1]! + logFactorial[total - col1]! - logFactorial[total]!;
  const logProbability = (x: number) =>
    logDenominator - logFactorial[x]! - logFactorial[row1 - x]! - logFactorial[col1 - x]! - logFactorial[total - row1 - col1 + x]!;
  const observed = logProbability(a);
  const low = Math.max(0, row1 + col1 - total);
  const high = Math.min(row1, col1);
  let p = 0;
  for (let x = low; x <= high; x++) {
    const lp = logProbability(x);
    if (lp <= observed + 1e-7) p += Math.exp(lp);
  }
  return Math.min(1, p);
}

function logFactorials(n: number): Float64Array {
  const table = new Float64Array(n + 1);
  for (let i = 2; i <= n; i++) table[i] = table[i - 1]! + Math.log(i);
  return table;
}
