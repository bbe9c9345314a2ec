import type { TargetRulesLookup } from '../scenario/honesty.js';
import type { TargetType } from '../scenario/schema.js';
import { criDriver } from './cri/cri-driver.js';
import { kubeDriver } from './kube/kube-driver.js';
import type { TargetDriver } from './target.js';

/** Every target type a scenario may name, and its driver. A new target is one folder and one line here. */
const drivers: Record<TargetType, TargetDriver> = {
  cri: criDriver,
  kube: kubeDriver,
};

export function targetDriver(type: TargetType): TargetDriver {
  return drivers[type];
}

/** Each target's scenario rules, for planning a run (scenario/matrix.ts checks them). */
export const targetScenarioRules: TargetRulesLookup = (type) => drivers[type].scenarioRules;
