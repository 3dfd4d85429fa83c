import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { redact, redactUrl, registerUrlPassword } from '../../redact.js';
import { GateError, errorText } from '../../types.js';

/** Prefix of every scratch database (and role) the gate creates. */
export const SCRATCH_PREFIX = 'migration_gate_';

/** Milliseconds to wait for a connection to a server. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** The URL with its password replaced by `***` (safe for output). */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return redactUrl(parsed.toString());
  } catch {
    return redactUrl(url);
  }
}

/**
 * Removes the password of `url` from a text: URL-shaped passwords always, and the bare password wherever it
 * occurs unless it is also the user or database name (which the output shows anyway); every other secret of
 * the run too.
 */
export function scrubSecrets(text: string, url: string): string {
  registerUrlPassword(url);
  return redact(text);
}

/** The URL of database `name` on the same server (user, password, host and parameters kept). */
export function urlForDatabase(url: string, name: string): string {
  try {
    const parsed = new URL(url);
    parsed.pathname = `/${encodeURIComponent(name)}`;
    return parsed.toString();
  } catch {
    const match = /^(postgres(?:ql)?:\/\/[^/?#]*)(\/[^?#]*)?(.*)$/i.exec(url);
    if (!match) return url;
    return `${match[1]}/${encodeURIComponent(name)}${match[3] ?? ''}`;
  }
}

/** A new scratch database name: `migration_gate_` + 12 random characters. */
export function scratchName(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(12);
  let suffix = '';
  for (const b of bytes) suffix += alphabet[b % alphabet.length];
  return SCRATCH_PREFIX + suffix;
}

/** Ends a session without waiting more than a moment on a server that no longer answers. */
export async function endClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.end().catch(() => undefined),
    new Promise((resolve) => {
      timer = setTimeout(resolve, 2_000);
    }),
  ]);
  clearTimeout(timer);
}

/** A connected node-postgres client that never crashes the process on a dropped connection. */
export async function connectClient(
  connectionString: string,
  options: { connectTimeoutMs?: number; queryTimeoutMs?: number; what: string },
): Promise<pg.Client> {
  let client: pg.Client;
  try {
    client = new pg.Client({
      connectionString,
      connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      ...(options.queryTimeoutMs ? { query_timeout: options.queryTimeoutMs } : {}),
    });
  } catch (error) {
    throw new GateError(
      scrubSecrets(
        `cannot connect to ${options.what} at ${displayUrl(connectionString)}: ${errorText(error)} ` +
          '(percent-encode characters such as / @ : # ? in the user name and password)',
        connectionString,
      ),
      { cause: error },
    );
  }
  // A terminated session emits 'error' on an idle client; the next query reports it instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new GateError(
      scrubSecrets(
        `cannot connect to ${options.what} at ${displayUrl(connectionString)}: ${errorText(error)}`,
        connectionString,
      ),
      { cause: error },
    );
  }
  return client;
}

/** The URL with another user and password (host, database and parameters kept). */
export function urlWithLogin(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  parsed.searchParams.delete('user');
  parsed.searchParams.delete('password');
  return parsed.toString();
}
