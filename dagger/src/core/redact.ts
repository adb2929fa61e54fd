/**
 * The one redaction rule of the module: every text that leaves it (a run's summary, details,
 * findings and JSON report, ci's Markdown, a notification, an error message) goes through
 * `redact`. It removes
 *
 *   - the user information of a URL (`https://user:password@host` → `https://***@host`),
 *   - credentials in a query (`?token=…`, `&access_token=…`, `private_token`, `api_key`,
 *     `sig`, `X-Amz-Signature`… → `=***`),
 *   - `Bearer …` / `Basic …` values and credential headers (`Authorization:`, `PRIVATE-TOKEN:`),
 *   - every secret value this process was given (registered with `rememberSecret` when a
 *     `Secret` argument is read, or passed explicitly).
 *
 * A Dagger function call runs in its own runtime process, so the registry holds exactly the
 * secrets of the call being served.
 */

/** What a removed value is replaced with. */
export const MASK = "***";

/** Secret values shorter than this are not searched for (a 1-character "secret" would blank every text). */
export const SECRET_MIN = 3;

const known = new Set<string>();

/** Remember a secret value (and each of its lines, and its URL-encoded form): redact removes it from every text from now on. */
export function rememberSecret(value: string | undefined): void {
  if (!value) return;
  for (const v of variants(value)) known.add(v);
}

/** The secret values remembered so far (tests). */
export function rememberedSecrets(): string[] {
  return [...known];
}

/** Forget every remembered secret (tests). */
export function forgetSecrets(): void {
  known.clear();
}

/** A value as it may appear in a text: itself, trimmed, each line of it, URL- and form-encoded. */
function variants(value: string): string[] {
  const out = new Set<string>();
  const add = (s: string): void => {
    const t = s.trim();
    if (t.length >= SECRET_MIN) out.add(t);
  };
  add(value);
  for (const line of value.split(/\r?\n/)) add(line);
  add(encodeURIComponent(value.trim()));
  add(new URLSearchParams({ v: value.trim() }).toString().slice(2));
  return [...out];
}

/** Query parameter names whose value is a credential. */
const QUERY_KEY =
  /(?:^|[_.-])(?:access[_-]?token|token|private[_-]?token|auth|authorization|api[_-]?key|apikey|key|secret|client[_-]?secret|password|passwd|pwd|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|session|code)$/i;

const PATTERNS: [RegExp, (m: string, ...g: string[]) => string][] = [
  // URL user information: scheme://anything-without-slash@ (a token as user name included).
  [/([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi, (_m, scheme) => `${scheme}${MASK}@`],
  // Query credentials: ?token=…, &access_token=…, ;sig=…
  [/([?&;])([A-Za-z0-9_.-]+)=([^&#\s"'<>]*)/g, (m, sep, key, value) => (QUERY_KEY.test(key!) && value ? `${sep}${key}=${MASK}` : m)],
  // Credential headers, with their scheme: `Authorization: Bearer …`, `PRIVATE-TOKEN: …`.
  [
    /\b(Authorization|Proxy-Authorization|PRIVATE-TOKEN|X-Auth-Token|X-Api-Key)(\s*[:=]\s*)("?)(?:(?:Bearer|Basic|Token)\s+)?[^\s"',;]+/gi,
    (_m, name, sep, q) => `${name}${sep}${q}${MASK}`,
  ],
  // Authorization schemes anywhere else (a server echoing the header). A credential has a digit,
  // a capital or a symbol: prose such as "basic authentication" is left alone.
  [/\b(Bearer|bearer|Basic)(\s+)(?=[A-Za-z0-9._~+/=-]{8,})(?![a-z]+(?![A-Za-z0-9._~+/=-]))[A-Za-z0-9._~+/=-]+/g, (_m, scheme, sp) => `${scheme}${sp}${MASK}`],
  // Credential fields of a JSON body: "password": "…", "access_token": "…".
  [
    /("(?:password|passwd|token|access_token|refresh_token|id_token|secret|client_secret|api_key|apiKey|private_token)"\s*:\s*)"(?:[^"\\]|\\.)*"/g,
    (_m, key) => `${key}"${MASK}"`,
  ],
];

/**
 * What credential a URL carries in itself, named for an error message (never the value):
 * "a user name or password" for user information, "the query parameter access_token" for a
 * credential in the query; undefined when it carries none.
 */
export function urlCredential(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url);
  if (m && m[1]!.includes("@")) return "a user name or password (user:password@)";
  const query = /[?]([^#]*)/.exec(url)?.[1] ?? "";
  for (const pair of query.split(/[&;]/)) {
    const key = pair.split("=")[0] ?? "";
    if (pair.includes("=") && QUERY_KEY.test(key)) return `the query parameter ${key.replace(/[^A-Za-z0-9_.-]/g, "").slice(0, 40)}`;
  }
  return undefined;
}

/** `text` with every credential the rule knows removed; `secrets` adds values to search for besides the remembered ones. */
export function redact(text: string, secrets: Iterable<string> = []): string {
  if (!text) return text;
  let out = text;
  // Longest first, so a value that contains another is cut whole.
  const values = [...new Set([...known, ...[...secrets].flatMap(variants)])].sort((a, b) => b.length - a.length);
  for (const v of values) if (out.includes(v)) out = out.split(v).join(MASK);
  for (const [re, fn] of PATTERNS) out = out.replace(re, fn as (m: string, ...g: unknown[]) => string);
  return out;
}

/** Every string inside `value` (objects, arrays) redacted; other values unchanged. */
export function redactDeep<T>(value: T, secrets: Iterable<string> = []): T {
  const list = [...secrets];
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redact(v, list);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}
