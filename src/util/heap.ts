import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/**
 * One full garbage collection, run before a cell's churn starts (outside anything measured). V8 sizes a
 * new process's old generation generously and sets its real limit only after the first full collection:
 * until then a run's heap grew to twice what was live (the start-up's garbage, then the first burst's),
 * and that set the run's peak RSS (bench/results/kube-burner-levers.md). Collecting once here makes the
 * limit follow what is live. `gc` is exposed only to a throwaway context, not to podchurn's own globals.
 */
export function collectGarbageNow(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
