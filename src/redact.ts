/**
 * One redaction for everything that leaves the process: the passwords of PostgreSQL URLs (by shape), and the
 * exact secret values this run knows (database passwords, the GitHub token, generated role passwords), which
 * are registered with `addSecret` as soon as they are known.
 */

/**
 * A `password=` / `sslpassword=` parameter of a URL's query (libpq accepts the password there too), up to the
 * next parameter, the end of the URL, or the `: ` of a message the URL is quoted in.
 */
const QUERY_PASSWORD = /([?&](?:ssl)?password=)[^&#\s]*?(?=[&#\s]|:\s|:?$)/gi;
const USERINFO_PASSWORD = /(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi;

/** Shorter values are not treated as secrets: replacing them would garble ordinary text. */
const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();
/** `secrets`, longest first (so that a secret containing another is replaced whole); kept by `addSecret`. */
let longestFirst: string[] = [];
const listeners = new Set<(secret: string) => void>();

/** Replaces the passwords of PostgreSQL URLs (user part and `password=` parameters), anywhere in a text, with `***`. */
export function redactUrl(text: string): string {
  return text.replace(USERINFO_PASSWORD, '$1***@').replace(QUERY_PASSWORD, '$1***');
}

/**
 * Registers a secret value of this run: from now on `redact` replaces it (and its URL-encoded form) with
 * `***`. Values shorter than 4 characters are ignored. Listeners (e.g. the Action's `core.setSecret`) hear
 * of each new value once.
 */
export function addSecret(value: string | null | undefined): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  for (const form of new Set([value, encodeURIComponent(value)])) {
    if (secrets.has(form)) continue;
    secrets.add(form);
    longestFirst = [...secrets].sort((a, b) => b.length - a.length);
    for (const listener of listeners) listener(form);
  }
}

/** Calls `listener` for every registered secret, now and later; returns the unsubscribe function. */
export function onSecret(listener: (secret: string) => void): () => void {
  listeners.add(listener);
  for (const s of secrets) listener(s);
  return () => listeners.delete(listener);
}

/** Forgets every registered secret (tests, and a process that runs the gate more than once). */
export function clearSecrets(): void {
  secrets.clear();
  longestFirst = [];
}

/** The text with URL passwords and every registered secret replaced by `***`. */
export function redact(text: string): string {
  let out = redactUrl(text);
  for (const s of longestFirst) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  return out;
}

/** A deep copy of a JSON-like value with `redact` applied to every string (keys included). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[redact(k)] = redactDeep(v);
    return out as T;
  }
  return value;
}

/** The password of a PostgreSQL URL (decoded), from its user part or its `password=` parameter, or null. */
export function passwordOf(url: string): string | null {
  if (!/^postgres(?:ql)?:\/\//i.test(url)) return null;
  try {
    const parsed = new URL(url);
    if (parsed.password) return decodeURIComponent(parsed.password);
    return parsed.searchParams.get('password') || null;
  } catch {
    return /^postgres(?:ql)?:\/\/[^:/@\s]*:([^@\s]*)@/i.exec(url)?.[1] ?? null;
  }
}

/**
 * Registers the password of a PostgreSQL URL with the redaction (`addSecret`), unless it is also the user or
 * database name, which the output shows anyway (replacing those would garble every message naming them).
 * Anything that is not a PostgreSQL URL with a password is ignored.
 */
export function registerUrlPassword(url: string | null | undefined): void {
  if (!url) return;
  const password = passwordOf(url);
  if (!password) return;
  try {
    const parsed = new URL(url);
    const visible = [
      decodeURIComponent(parsed.username),
      decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    ];
    if (visible.includes(password)) return;
  } catch {
    // a URL the parser refuses: register the password as it was found
  }
  addSecret(password);
}
