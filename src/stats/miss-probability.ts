/**
 * The chance that `trials` independent trials show no occurrence of an event whose per-trial rate is
 * `rate`: (1 - rate)^trials. `podchurn suite` states it for every bug it did not observe, with the rate
 * its positive control measured on an affected version: "had this candidate been affected, a clean run
 * of this size would have happened with this probability".
 */
export function missProbability(rate: number, trials: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`a rate must lie in [0, 1], got ${rate}`);
  if (!Number.isInteger(trials) || trials < 0) throw new RangeError(`trials must be a non-negative integer, got ${trials}`);
  if (trials === 0) return 1;
  // log1p keeps small rates exact where 1 - rate would round.
  return Math.exp(trials * Math.log1p(-rate));
}

/** The smallest number of trials whose miss probability is at most `target` (e.g. 0.01), or null for a rate of 0. */
export function trialsForMissProbability(rate: number, target: number): number | null {
  if (!(target > 0 && target < 1)) throw new RangeError(`a target probability must lie in (0, 1), got ${target}`);
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`a rate must lie in [0, 1], got ${rate}`);
  if (rate === 0) return null;
  if (rate === 1) return 1;
  return Math.ceil(Math.log(target) / Math.log1p(-rate) - 1e-9);
}
