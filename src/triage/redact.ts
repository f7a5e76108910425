// Removes secrets from text before it leaves the process: secret-shaped strings (tokens, keys, passwords,
// private keys, JWTs) and caller-supplied values, also when base64- or URL-encoded or split across lines.

export const REDACTED = "[REDACTED]";

export interface RedactOptions {
  /** Known secret values (e.g. the repository's secrets). Values shorter than 4 characters are ignored. */
  secrets?: readonly string[];
}

// Shorter values would redact ordinary words; GitHub's runner draws the same line.
const MIN_SECRET_LENGTH = 4;
// A fragment of an encoded or wrapped secret must be at least this long to be recognised on its own.
const MIN_FRAGMENT = 8;

type Replacer = (text: string) => string;

/** An environment-variable-style name such as DOKPLOY_API_KEY: at least one underscore, upper case only. */
const SECRET_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+[:.)]*$/;

const KEY_WORDS =
  "password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret";

// Order matters: whole blocks and well-known token shapes before the generic key=value form.
const SHAPES: readonly Replacer[] = [
  (t) =>
    t.replace(
      /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
      REDACTED,
    ),
  (t) => t.replace(/\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g, REDACTED),
  (t) => t.replace(/\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/g, REDACTED),
  (t) => t.replace(/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, REDACTED),
  (t) =>
    t.replace(
      /\b(?:xox[abposr]-[A-Za-z0-9-]{10,}|sk_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|npm_[A-Za-z0-9]{36}|glpat-[A-Za-z0-9_-]{20})\b/g,
      REDACTED,
    ),
  (t) => t.replace(/\b(Bearer|Basic)(\s+)[A-Za-z0-9\-._~+/]{16,}=*/gi, `$1$2${REDACTED}`),
  (t) =>
    t.replace(/\b(Authorization\s*:\s*)(?:(?:Bearer|Basic|token)\s+)?(?!\[REDACTED\])\S+/gi, `$1${REDACTED}`),
  (t) => t.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, `$1${REDACTED}@`),
  (t) =>
    t.replace(
      new RegExp(
        `\\b([\\w.-]*(?:${KEY_WORDS})[\\w.-]*)(["']?\\s*[=:]\\s*)(["']?)(?!\\[REDACTED\\]|\\*\\*\\*)([^\\s"'&;,]+)`,
        "gi",
      ),
      (all, key: string, sep: string, quote: string, value: string) =>
        // An ALL_CAPS identifier is a secret's *name* (`secret.set:DOKPLOY_DEPLOY_TOKEN`, `token: GITHUB_TOKEN`),
        // which says where a value lives, not the value: left readable. Checked case-sensitively.
        SECRET_NAME.test(value) ? all : `${key}${sep}${quote}${REDACTED}`,
    ),
];

/** Redacts `text` once; prefer createRedactor when redacting many strings with the same secrets. */
export function redact(text: string, options: RedactOptions = {}): string {
  return createRedactor(options)(text);
}

export function createRedactor(options: RedactOptions = {}): (text: string) => string {
  const variants = [...new Set((options.secrets ?? []).flatMap(secretVariants))].sort(
    (a, b) => b.length - a.length,
  );
  const known = variants.length === 0 ? undefined : new RegExp(variants.map(escapeRegExp).join("|"), "g");
  const splittable = variants.filter((v) => v.length >= 2 * MIN_FRAGMENT);
  return (text) => {
    let out = known ? text.replace(known, REDACTED) : text;
    for (const v of splittable) out = redactSplit(out, v);
    for (const shape of SHAPES) out = shape(out);
    return out;
  };
}

/**
 * The forms a secret value takes in logs: raw, each line of a multi-line value, URL- and JSON-escaped, and
 * base64 (standard and URL-safe) at each of the three byte alignments it can have inside a longer encoding.
 */
export function secretVariants(secret: string): string[] {
  const values = [secret, ...secret.split(/\r?\n/).map((l) => l.trim())].filter(
    (v) => v.length >= MIN_SECRET_LENGTH,
  );
  const out = new Set<string>();
  for (const v of new Set(values)) {
    out.add(v);
    out.add(encodeURIComponent(v));
    out.add(encodeURIComponent(v).replace(/%20/g, "+"));
    out.add(JSON.stringify(v).slice(1, -1));
    for (const b64 of base64Fragments(v)) {
      out.add(b64);
      out.add(b64.replace(/\+/g, "-").replace(/\//g, "_"));
    }
  }
  return [...out].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

// The base64 characters that depend only on the secret's bytes, whatever precedes it in the encoded data.
function base64Fragments(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  const out = [bytes.toString("base64")];
  for (let shift = 1; shift <= 2; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64");
    const start = Math.ceil((8 * shift) / 6);
    const end = Math.floor((8 * (shift + bytes.length)) / 6);
    const fragment = encoded.slice(start, end);
    if (fragment.length >= MIN_FRAGMENT) out.push(fragment);
  }
  const unpadded = (out[0] as string).replace(/=+$/, "");
  if (unpadded.length >= MIN_FRAGMENT) out.push(unpadded);
  return out;
}

// A secret wrapped across lines shows up as its start at the end of one line and its end at the start of
// the next (or, for long values, a whole line from its middle).
function redactSplit(text: string, secret: string): string {
  const trimmed = text.trim();
  if (trimmed.length >= MIN_FRAGMENT && secret.includes(trimmed)) return text.replace(trimmed, REDACTED);
  let out = text;
  for (let k = secret.length - 1; k >= MIN_FRAGMENT; k--) {
    if (out.endsWith(secret.slice(0, k))) {
      out = out.slice(0, out.length - k) + REDACTED;
      break;
    }
  }
  for (let k = secret.length - 1; k >= MIN_FRAGMENT; k--) {
    if (out.startsWith(secret.slice(secret.length - k))) {
      out = REDACTED + out.slice(k);
      break;
    }
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
