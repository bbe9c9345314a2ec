import { InfrastructureError, InputError } from '../errors.js';

/** A Pushgateway as the user named it: its base URL (credentials moved into a header) and how to name it in messages. */
export interface Pushgateway {
  base: URL;
  /** The URL without credentials, for messages. */
  shown: string;
  authorization?: string;
}

/** The label names and values of one pushed group; the first one is `job`. */
export type GroupingKey = readonly (readonly [string, string])[];

const labelName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PUSH_TIMEOUT_MS = 15_000;

/**
 * Checks a --push URL before anything runs (exit 2 on a bad one): http or https, no query or
 * fragment, the gateway's base URL (podchurn adds /metrics/job/...). user:password@ becomes a Basic
 * Authorization header, since fetch refuses URLs that carry credentials.
 */
export function parsePushgatewayUrl(text: string): Pushgateway {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InputError(`--push ${JSON.stringify(text)} is not a URL; give the Pushgateway's base URL, e.g. http://pushgateway:9091`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(`--push: the Pushgateway is reached over http or https, not ${url.protocol.replace(/:$/, '')} (${JSON.stringify(text)})`);
  }
  if (url.search || url.hash) throw new InputError(`--push: the Pushgateway URL takes no query or fragment (${JSON.stringify(text)})`);
  if (/\/metrics(\/|$)/.test(url.pathname)) {
    throw new InputError(
      `--push: give the Pushgateway's base URL (e.g. http://pushgateway:9091); podchurn adds /metrics/job/podchurn/... itself (got ${JSON.stringify(text)})`,
    );
  }
  const authorization =
    url.username || url.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`
      : undefined;
  url.username = '';
  url.password = '';
  url.pathname = url.pathname.replace(/\/+$/, '');
  return { base: url, shown: url.href.replace(/\/$/, ''), ...(authorization ? { authorization } : {}) };
}

/** `name=value` of --push-group: a valid label name that does not start with `__` (reserved by Prometheus). */
export function parseGroupingLabel(text: string): readonly [string, string] {
  const at = text.indexOf('=');
  const name = at < 0 ? text : text.slice(0, at);
  if (at < 0 || !labelName.test(name) || name.startsWith('__')) {
    throw new InputError(
      `--push-group ${JSON.stringify(text)}: expected name=value with a label name of letters, digits and "_" (not starting with a digit or "__"), ` +
        `e.g. --push-group pipeline=nightly`,
    );
  }
  return [name, text.slice(at + 1)];
}

/**
 * The group's URL: every value base64url-encoded (the Pushgateway's `@base64` form), so values with
 * "/" or nothing in them address the right group.
 */
export function groupUrl(gateway: Pushgateway, grouping: GroupingKey): URL {
  const path = grouping.map(([name, value]) => `/${name}@base64/${value === '' ? '=' : Buffer.from(value).toString('base64url')}`).join('');
  const url = new URL(gateway.base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/metrics${path}`;
  return url;
}

/**
 * PUT: the group's metrics are replaced as a whole, so cells a scenario no longer has do not linger
 * from an earlier push. An unreachable gateway, a timeout or a refusal is an InfrastructureError
 * naming the gateway (exit 3).
 */
export async function pushToGateway(gateway: Pushgateway, grouping: GroupingKey, body: string, contentType: string): Promise<void> {
  const url = groupUrl(gateway, grouping);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': contentType, ...(gateway.authorization ? { authorization: gateway.authorization } : {}) },
      body,
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason =
      (error as Error).name === 'TimeoutError' ? `no answer within ${PUSH_TIMEOUT_MS / 1000} s` : (cause?.code ?? cause?.message ?? (error as Error).message);
    throw new InfrastructureError(`could not reach the Pushgateway at ${gateway.shown} (${reason})`, { cause: error });
  }
  if (!response.ok) {
    const text = (await response.text().catch(() => ''))
      .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
      .trim()
      .slice(0, 500);
    throw new InfrastructureError(`the Pushgateway at ${gateway.shown} refused the push: HTTP ${response.status}${text ? ` (${text})` : ''}`);
  }
}
