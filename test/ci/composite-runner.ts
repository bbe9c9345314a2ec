import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActionMetadata } from './action-metadata.js';

/**
 * Runs a composite action's `run:` steps on this machine the way the Actions runner does, so a test can
 * watch the action's own shell code work against real podchurn runs: inputs with their defaults, step
 * outputs through $GITHUB_OUTPUT, `if:` conditions, a failed step skipping the steps without always(),
 * bash as `bash --noprofile --norc -eo pipefail`. `uses:` steps (actions/cache, actions/upload-artifact)
 * need GitHub's services: they are recorded with their evaluated `with:` instead of run.
 * Expressions: contexts inputs, steps, github.action_path/run_id/run_attempt; ==, !=, &&, ||, !, (),
 * always(), success(), failure(), '' strings -- what action.yml uses (the test fails on anything else).
 */
export interface StepResult {
  name: string;
  id?: string;
  outcome: 'success' | 'failure' | 'skipped';
  exitCode?: number;
  stdout: string;
  stderr: string;
  with?: Record<string, string>;
}

export interface CompositeRun {
  steps: StepResult[];
  outputs: Record<string, string>;
  summary: string;
}

interface Context {
  inputs: Record<string, string>;
  steps: Record<string, { outcome: string; outputs: Record<string, string> }>;
  github: Record<string, string>;
  failed: boolean;
}

export function runComposite(
  action: ActionMetadata,
  given: Record<string, string>,
  options: { actionPath: string; workspace: string; env?: NodeJS.ProcessEnv },
): CompositeRun {
  for (const name of Object.keys(given)) if (!(name in action.inputs)) throw new Error(`input ${name} is not declared in action.yml`);
  const github = { action_path: options.actionPath, run_id: '4242', run_attempt: '1', workspace: options.workspace };
  const inputs = Object.fromEntries(
    Object.entries(action.inputs).map(([name, spec]) => [
      name,
      given[name] ?? interpolate(spec.default ?? '', { inputs: {}, steps: {}, github, failed: false }),
    ]),
  );
  for (const [name, spec] of Object.entries(action.inputs)) if (spec.required && !inputs[name]) throw new Error(`input ${name} is required`);
  const temp = mkdtempSync(join(tmpdir(), 'podchurn-composite-'));
  const summaryFile = join(temp, 'step-summary.md');
  writeFileSync(summaryFile, '');
  const context: Context = { inputs, steps: {}, github, failed: false };
  const results: StepResult[] = [];
  action.runs.steps.forEach((step, index) => {
    const name = step.name ?? step.uses ?? `step ${index}`;
    const condition = step.if ?? 'success()';
    if (!truthy(evaluate(condition.replace(/^\$\{\{|\}\}$/g, ''), context))) {
      results.push({ name, id: step.id, outcome: 'skipped', stdout: '', stderr: '' });
      if (step.id) context.steps[step.id] = { outcome: 'skipped', outputs: {} };
      return;
    }
    if (step.uses) {
      const withValues = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(String(v), context)]));
      results.push({ name, id: step.id, outcome: 'success', stdout: '', stderr: '', with: withValues });
      if (step.id) context.steps[step.id] = { outcome: 'success', outputs: {} };
      return;
    }
    const outputFile = join(temp, `output-${index}`);
    writeFileSync(outputFile, '');
    const script = join(temp, `step-${index}.sh`);
    writeFileSync(script, step.run ?? '');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...options.env,
      GITHUB_ACTION_PATH: options.actionPath,
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: temp,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(String(v), context)])),
    };
    const cwd = step['working-directory'] ? interpolate(step['working-directory'], context) : options.workspace;
    const child = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const exitCode = child.status ?? 128;
    const outcome = exitCode === 0 ? 'success' : 'failure';
    if (outcome === 'failure') context.failed = true;
    results.push({ name, id: step.id, outcome, exitCode, stdout: child.stdout, stderr: child.stderr });
    if (step.id) context.steps[step.id] = { outcome, outputs: parseOutputs(readFileSync(outputFile, 'utf8')) };
  });
  const outputs = Object.fromEntries(Object.entries(action.outputs).map(([name, spec]) => [name, interpolate(spec.value, context)]));
  return { steps: results, outputs, summary: readFileSync(summaryFile, 'utf8') };
}

/** $GITHUB_OUTPUT lines name=value (the action writes no multi-line values). */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) outputs[line.slice(0, at)] = line.slice(at + 1);
  }
  return outputs;
}

function interpolate(text: string, context: Context): string {
  return text.replace(/\$\{\{(.*?)\}\}/g, (_, expression: string) => String(evaluate(expression, context)));
}

function truthy(value: string | boolean): boolean {
  return value !== '' && value !== false;
}

type Token = { kind: 'op'; text: string } | { kind: 'string'; text: string } | { kind: 'ref'; text: string };

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(==|!=|&&|\|\||!|\(|\))|'((?:[^']|'')*)'|([A-Za-z_][A-Za-z0-9_.-]*(?:\(\))?))/y;
  let at = 0;
  while (at < expression.length) {
    if (/^\s*$/.test(expression.slice(at))) break;
    pattern.lastIndex = at;
    const m = pattern.exec(expression);
    if (!m) throw new Error(`expression not understood at "${expression.slice(at)}"`);
    if (m[1] !== undefined) tokens.push({ kind: 'op', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'string', text: m[2].replace(/''/g, "'") });
    else tokens.push({ kind: 'ref', text: m[3]! });
    at = pattern.lastIndex;
  }
  return tokens;
}

/** A recursive-descent evaluator: or := and ('||' and)*; and := cmp ('&&' cmp)*; cmp := unary (('=='|'!=') unary)?. */
function evaluate(expression: string, context: Context): string | boolean {
  const tokens = tokenize(expression);
  let at = 0;
  const peek = () => tokens[at];
  const take = (text: string) => {
    const token = tokens[at];
    if (token?.kind !== 'op' || token.text !== text) throw new Error(`expected ${text} in "${expression}"`);
    at++;
  };
  const primary = (): string | boolean => {
    const token = tokens[at++];
    if (!token) throw new Error(`unexpected end of "${expression}"`);
    if (token.kind === 'string') return token.text;
    if (token.kind === 'op' && token.text === '(') {
      const value = or();
      take(')');
      return value;
    }
    if (token.kind === 'op' && token.text === '!') return !truthy(primary());
    if (token.kind === 'ref') return reference(token.text, context);
    throw new Error(`unexpected ${token.text} in "${expression}"`);
  };
  const comparison = (): string | boolean => {
    const left = primary();
    const op = peek();
    if (op?.kind === 'op' && (op.text === '==' || op.text === '!=')) {
      at++;
      const right = primary();
      const equal = String(left).toLowerCase() === String(right).toLowerCase();
      return op.text === '==' ? equal : !equal;
    }
    return left;
  };
  const and = (): string | boolean => {
    let value = comparison();
    while (peek()?.kind === 'op' && peek()!.text === '&&') {
      at++;
      const right = comparison();
      value = truthy(value) ? right : value;
    }
    return value;
  };
  function or(): string | boolean {
    let value = and();
    while (peek()?.kind === 'op' && peek()!.text === '||') {
      at++;
      const right = and();
      value = truthy(value) ? value : right;
    }
    return value;
  }
  const value = or();
  if (at !== tokens.length) throw new Error(`trailing tokens in "${expression}"`);
  return value;
}

function reference(path: string, context: Context): string | boolean {
  if (path === 'always()') return true;
  if (path === 'success()') return !context.failed;
  if (path === 'failure()') return context.failed;
  const [root, ...rest] = path.split('.');
  if (root === 'inputs' && rest.length === 1) {
    if (!(rest[0]! in context.inputs)) throw new Error(`inputs.${rest[0]} is not declared`);
    return context.inputs[rest[0]!]!;
  }
  if (root === 'github' && rest.length === 1 && rest[0]! in context.github) return context.github[rest[0]!]!;
  if (root === 'steps' && rest.length >= 2) {
    const step = context.steps[rest[0]!];
    if (rest[1] === 'outcome' && rest.length === 2) return step?.outcome ?? '';
    if (rest[1] === 'outputs' && rest.length === 3) return step?.outputs[rest[2]!] ?? '';
  }
  throw new Error(`reference ${path} is not supported`);
}
