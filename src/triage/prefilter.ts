// A cheap first pass over raw log bytes: each pattern is reduced to one rare 4-byte literal it cannot match
// without, and a rolling hash of every 4 bytes is looked up in a table, so only a few lines ever meet a regex.

/** Hash of 4 case-folded bytes; `scanQuads` computes the same value incrementally. */
export function quadHash(h: number): number {
  return Math.imul(h, 0x9e3779b1) >>> (32 - TABLE_BITS);
}

export const TABLE_BITS = 20;

/** Folds ASCII letters to lower case (and maps other bytes somewhere stable), as the scanner does. */
export function foldByte(c: number): number {
  return (c | 32) & 127;
}

export function rollQuad(h: number, c: number): number {
  return ((h << 7) | foldByte(c)) & 0xfffffff;
}

/** What every match of a regex must contain: literal runs, or a group one of whose alternatives must match. */
export type Requirement =
  | { kind: "literal"; text: string }
  | { kind: "group"; alternatives: Requirement[][] };

/**
 * For each top-level alternative of a regex source, what every match of it must contain. Conservative:
 * anything it does not understand ends the current literal run and adds no requirement.
 */
export function requirementsOf(source: string): Requirement[][] {
  const alternatives: Requirement[][] = [[]];
  let run = "";
  const current = (): Requirement[] => alternatives[alternatives.length - 1] as Requirement[];
  const flush = (): void => {
    if (run.length > 0) current().push({ kind: "literal", text: run });
    run = "";
  };
  const dropLast = (): void => {
    run = run.slice(0, -1);
    flush();
  };
  let i = 0;
  while (i < source.length) {
    const ch = source[i] as string;
    if (ch === "\\") {
      const next = source[i + 1] ?? "";
      i += 2;
      if (/[dDwWsSbBnrtfv0-9pPuxkc]/.test(next)) {
        flush();
        if ("pPuxk".includes(next) && source[i] === "{") i = source.indexOf("}", i) + 1;
        i = skipQuantifier(source, i);
      } else {
        run += next;
        i = dropIfQuantified(source, i, dropLast);
      }
      continue;
    }
    if (ch === "[") {
      flush();
      i = skipQuantifier(source, skipClass(source, i));
      continue;
    }
    if (ch === "(") {
      flush();
      const close = skipGroup(source, i);
      const after = skipQuantifier(source, close);
      const quantifier = source.slice(close, after);
      const optional = /^(?:[?*]|\{0)/.test(quantifier);
      const inner = groupBody(source.slice(i + 1, close - 1));
      if (!optional && inner !== undefined)
        current().push({ kind: "group", alternatives: requirementsOf(inner) });
      i = after;
      continue;
    }
    if (ch === "|") {
      flush();
      alternatives.push([]);
      i++;
      continue;
    }
    if (ch === "." || ch === "^" || ch === "$") {
      flush();
      i = skipQuantifier(source, i + 1);
      continue;
    }
    run += ch;
    i = dropIfQuantified(source, i + 1, dropLast);
  }
  flush();
  return alternatives;
}

// The pattern inside a group, or undefined for lookarounds (they consume nothing we can rely on).
function groupBody(body: string): string | undefined {
  if (!body.startsWith("?")) return body;
  if (body.startsWith("?:")) return body.slice(2);
  const named = /^\?<[A-Za-z_$][\w$]*>/.exec(body);
  if (named) return body.slice(named[0].length);
  return undefined;
}

function isQuantifier(ch: string | undefined): boolean {
  return ch === "*" || ch === "?" || ch === "{" || ch === "+";
}

// A quantifier after a literal character makes it optional or repeated: drop it from the run.
function dropIfQuantified(source: string, i: number, drop: () => void): number {
  if (!isQuantifier(source[i])) return i;
  drop();
  return skipQuantifier(source, i);
}

function skipQuantifier(source: string, i: number): number {
  let j = i;
  if (source[j] === "{") {
    const close = source.indexOf("}", j);
    j = close === -1 ? j + 1 : close + 1;
  } else if (source[j] === "*" || source[j] === "+" || source[j] === "?") {
    j++;
  }
  if (source[j] === "?" && j > i) j++;
  return j;
}

function skipClass(source: string, start: number): number {
  let i = start + 1;
  while (i < source.length && source[i] !== "]") i += source[i] === "\\" ? 2 : 1;
  return i + 1;
}

// Returns the offset just after the group's closing parenthesis.
function skipGroup(source: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < source.length) {
    const ch = source[i];
    if (ch === "\\") i += 2;
    else if (ch === "[") i = skipClass(source, i);
    else {
      if (ch === "(") depth++;
      if (ch === ")") depth--;
      i++;
      if (depth === 0) return i;
    }
  }
  return i;
}

// English letter frequencies (per cent) stand in for "how often this byte shows up in a build log".
const LETTER_FREQ: Record<string, number> = {
  e: 12.7,
  t: 9.1,
  a: 8.2,
  o: 7.5,
  i: 7,
  n: 6.7,
  s: 6.3,
  h: 6.1,
  r: 6,
  d: 4.3,
  l: 4,
  c: 2.8,
  u: 2.8,
  m: 2.4,
  w: 2.4,
  f: 2.2,
  g: 2,
  y: 2,
  p: 1.9,
  b: 1.5,
  v: 1,
  k: 0.8,
  j: 0.15,
  x: 0.15,
  q: 0.1,
  z: 0.07,
};
// Words that fill ordinary build and deploy output: a quad inside one of them would wake the prefilter on
// half the lines of a log, so anchors avoid them when the pattern offers anything rarer.
const COMMON_WORDS = [
  "error",
  "errors",
  "warning",
  "warn",
  "info",
  "debug",
  "failed",
  "failure",
  "success",
  "deprecated",
  "package",
  "packages",
  "module",
  "modules",
  "node_modules",
  "require",
  "import",
  "export",
  "default",
  "install",
  "installed",
  "installing",
  "added",
  "audited",
  "removed",
  "changed",
  "build",
  "builder",
  "building",
  "compiled",
  "compiling",
  "version",
  "versions",
  "docker",
  "image",
  "layer",
  "layers",
  "download",
  "downloading",
  "downloaded",
  "extracting",
  "pulling",
  "complete",
  "done",
  "sha256",
  "fetch",
  "cache",
  "cached",
  "registry",
  "http",
  "https",
  "github",
  "runner",
  "actions",
  "workflow",
  "group",
  "object",
  "anonymous",
  "index",
  "test",
  "tests",
  "passed",
  "file",
  "files",
  "directory",
  "with",
  "from",
  "this",
  "that",
  "which",
  "your",
  "have",
  "will",
  "should",
  "could",
  "would",
  "cannot",
  "there",
  "their",
  "exec",
  "exit",
  "code",
  "process",
  "command",
  "running",
  "started",
  "starting",
  "server",
  "request",
  "response",
  "status",
  "time",
  "true",
  "false",
  "null",
  "undefined",
  "function",
  "return",
  "const",
  "node",
  "config",
  "using",
  "resolved",
  "received",
  "total",
  "size",
  "found",
  "such",
  "line",
  "lines",
  "memory",
  "object",
  "objects",
  "supported",
  "index",
  "library",
  "libraries",
  "shared",
  "open",
  "load",
  "loading",
  "directory",
  "domain",
  "project",
  "source",
  "target",
  "output",
  "input",
  "value",
  "check",
];
const COMMON_TEXT = ` ${COMMON_WORDS.join(" ")} `;

// Common when the quad sits inside a common word, or its longest run of letters (3+) does, as in " pac".
function isCommon(quad: string): boolean {
  const lower = quad.toLowerCase();
  if (COMMON_TEXT.includes(lower)) return true;
  const longest = (lower.match(/[a-z]+/g) ?? []).reduce((a, b) => (b.length > a.length ? b : a), "");
  return longest.length >= 3 && COMMON_TEXT.includes(longest);
}

function byteRarity(ch: string): number {
  const lower = ch.toLowerCase();
  const freq = LETTER_FREQ[lower];
  if (freq !== undefined) return Math.log(100 / freq);
  // Spaces are everywhere, and a quad spanning two words is rarely rarer than one inside a word.
  if (ch === " ") return -1;
  if (/[0-9]/.test(ch)) return 1.5;
  return 2;
}

interface Anchoring {
  quads: string[];
  /** Rarity of the weakest quad: a line is a candidate as soon as any of them shows up. */
  score: number;
}

function quadScore(quad: string): number {
  let score = 0;
  for (const ch of quad) score += byteRarity(ch);
  return isCommon(quad) ? score - 8 : score;
}

/** The rarest printable-ASCII 4-character window of a literal. */
export function pickQuad(literal: string): Anchoring | undefined {
  let best: Anchoring | undefined;
  for (let i = 0; i + 4 <= literal.length; i++) {
    const quad = literal.slice(i, i + 4);
    if (!/^[\x20-\x7e]{4}$/.test(quad)) continue;
    const score = quadScore(quad);
    if (best === undefined || score > best.score) best = { quads: [quad], score };
  }
  return best;
}

// The best anchoring for one alternative: a quad of one of its literals, or one quad per alternative of a
// required group, whichever is rarer.
function anchorAlternative(requirements: readonly Requirement[]): Anchoring | undefined {
  let best: Anchoring | undefined;
  for (const req of requirements) {
    const candidate = req.kind === "literal" ? pickQuad(req.text) : anchorAll(req.alternatives);
    if (candidate !== undefined && (best === undefined || candidate.score > best.score)) best = candidate;
  }
  return best;
}

function anchorAll(alternatives: readonly (readonly Requirement[])[]): Anchoring | undefined {
  const quads: string[] = [];
  let score = Number.POSITIVE_INFINITY;
  for (const alternative of alternatives) {
    const a = anchorAlternative(alternative);
    if (a === undefined) return undefined;
    quads.push(...a.quads);
    score = Math.min(score, a.score);
  }
  // Every extra quad is another way to fire: prefer fewer.
  return { quads: [...new Set(quads)], score: score - 0.5 * (quads.length - 1) };
}

/** The anchors of a pattern (a line can match only if it contains one), or undefined if it has none. */
export function anchorsOf(pattern: RegExp): string[] | undefined {
  return anchorAll(requirementsOf(pattern.source))?.quads;
}

export function hashOfQuad(quad: string): number {
  let h = 0;
  for (let i = 0; i < 4; i++) h = rollQuad(h, quad.charCodeAt(i));
  return quadHash(h);
}

/**
 * A cheaper check than the regex for a line that passed the quad table: for some top-level alternative,
 * the line (lower-cased) contains every literal run that alternative requires.
 */
export function verifiersOf(pattern: RegExp): string[][] {
  return requirementsOf(pattern.source).map((alternative) =>
    alternative.flatMap((r) => (r.kind === "literal" ? [r.text.toLowerCase()] : [])),
  );
}
