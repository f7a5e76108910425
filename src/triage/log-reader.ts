// Streams a CI log once, as raw bytes, and keeps only what a diagnosis needs: the lines that hit a signal,
// the step that failed, and a few lines of context. It never holds the whole log.
//
// GitHub Actions logs: an ISO timestamp starts each line, `##[group]Title` opens a step (or a nested group),
// `##[error]` marks an error and the first one names the failing step.
import type { LineMatcher } from "./matcher.ts";
import { TABLE_BITS } from "./prefilter.ts";

export type LogSource = string | Uint8Array | AsyncIterable<string | Uint8Array> | NodeJS.ReadableStream;

export interface LogLine {
  /** 1-based line number in the original log. */
  line: number;
  /** The line without its timestamp, colour codes and trailing CR. */
  text: string;
  /** The step (group) the line belongs to, if the log has groups. */
  step?: string;
}

export interface SignalHits {
  /** Every hit up to the cap, then only the most recent ones: memory stays bounded on pathological logs. */
  lines: LogLine[];
  total: number;
}

export interface LogScan {
  lineCount: number;
  /** By signal id. */
  hits: SignalHits[];
  failingStep?: string;
  firstError?: LogLine;
  exitCode?: number;
  /** Non-empty lines just before the first error, oldest first. */
  beforeError: LogLine[];
  /** The last non-empty lines of the log, oldest first. */
  tail: LogLine[];
}

export interface ScanOptions {
  matcher: LineMatcher;
  /** How many lines of context to keep before the first error and at the end. */
  contextLines?: number;
  /** Hits kept per signal. */
  maxHitsPerSignal?: number;
}

const MAX_LINE_BYTES = 64 * 1024;
// Hits keep at most this much of their line: conditions need line numbers, evidence is clipped anyway.
const MAX_HIT_CHARS = 2048;
// The scan loop inlines prefilter.rollQuad and prefilter.quadHash: a call per byte costs too much.
const HASH_SHIFT = 32 - TABLE_BITS;

// Group titles that open a step rather than a group nested inside one.
const STEP_GROUP =
  /^(?:Run |Post |Pre |Set up job|Complete job|Initialize containers|Stop containers|Build container)/;
const EXIT_CODE = /Process completed with exit code (\d+)/;
// Colour codes (ESC [ ... letter); built from a string because a control character in a literal trips the linter.
const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[ -/]*[@-~]`, "g");

export async function scanLog(source: LogSource, options: ScanOptions): Promise<LogScan> {
  const scanner = new Scanner(options);
  for await (const chunk of chunksOf(source)) scanner.push(chunk);
  return scanner.finish();
}

async function* chunksOf(source: LogSource): AsyncIterable<Uint8Array> {
  if (typeof source === "string") {
    yield Buffer.from(source, "utf8");
    return;
  }
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  for await (const chunk of source as AsyncIterable<string | Uint8Array>) {
    yield typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
  }
}

interface Ring {
  bufs: (Uint8Array | undefined)[];
  starts: Int32Array;
  ends: Int32Array;
  lines: Int32Array;
  steps: (string | undefined)[];
  next: number;
}

class Scanner {
  readonly #matcher: LineMatcher;
  readonly #maxHits: number;
  readonly #decoder = new TextDecoder("utf-8");
  // Buckets that fired on the current line, each once: `#bucketStamp` holds the line they last fired on.
  readonly #candidates: Int32Array;
  readonly #bucketStamp: Int32Array;
  // Signal ids already tested on the current line, stamped with the line number.
  readonly #tested: Int32Array;
  readonly #ring: Ring;
  readonly #hits: SignalHits[];
  #leftover: Uint8Array = new Uint8Array(0);
  #lineNo = 0;
  #skipToNewline = false;
  #atStart = true;
  #step: string | undefined;
  #firstError: LogLine | undefined;
  #failingStep: string | undefined;
  #exitCode: number | undefined;
  #beforeError: LogLine[] = [];

  constructor(options: ScanOptions) {
    this.#matcher = options.matcher;
    this.#maxHits = options.maxHitsPerSignal ?? 64;
    const size = options.contextLines ?? 12;
    this.#ring = {
      bufs: new Array(size).fill(undefined),
      starts: new Int32Array(size),
      ends: new Int32Array(size),
      lines: new Int32Array(size),
      steps: new Array(size).fill(undefined),
      next: 0,
    };
    this.#tested = new Int32Array(options.matcher.signals.length).fill(-1);
    this.#candidates = new Int32Array(options.matcher.buckets.length + 1);
    this.#bucketStamp = new Int32Array(options.matcher.buckets.length + 1).fill(-1);
    this.#hits = options.matcher.signals.map(() => ({ lines: [], total: 0 }));
  }

  push(chunk: Uint8Array): void {
    let buf = chunk;
    if (this.#atStart) {
      this.#atStart = false;
      // A UTF-8 byte order mark opens logs downloaded from GitHub.
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    if (this.#skipToNewline) {
      const nl = buf.indexOf(10);
      if (nl === -1) return;
      this.#skipToNewline = false;
      buf = buf.subarray(nl + 1);
    }
    if (this.#leftover.length > 0) {
      // Only the line cut by the chunk boundary is joined: copying whole chunks would double the memory.
      const nl = buf.indexOf(10);
      if (nl === -1) {
        this.#leftover = Buffer.concat([this.#leftover, buf]);
        if (this.#leftover.length > MAX_LINE_BYTES) {
          this.#scan(this.#leftover);
          this.#leftover = new Uint8Array(0);
        }
        return;
      }
      this.#scan(Buffer.concat([this.#leftover, buf.subarray(0, nl + 1)]));
      buf = buf.subarray(nl + 1);
    }
    const rest = this.#scan(buf);
    this.#leftover = rest < buf.length ? Buffer.from(buf.subarray(rest)) : new Uint8Array(0);
  }

  finish(): LogScan {
    if (this.#leftover.length > 0 && !this.#skipToNewline) {
      const last = Buffer.concat([this.#leftover, Buffer.from("\n")]);
      this.#leftover = new Uint8Array(0);
      this.#scan(last);
    }
    return {
      lineCount: this.#lineNo,
      hits: this.#hits,
      failingStep: this.#failingStep,
      firstError: this.#firstError,
      exitCode: this.#exitCode,
      beforeError: this.#beforeError,
      tail: this.#ringLines(),
    };
  }

  /** Scans whole lines of `buf`; returns the offset of the incomplete last line. */
  #scan(buf: Uint8Array): number {
    const n = buf.length;
    const table = this.#matcher.table;
    const candidates = this.#candidates;
    const stamps = this.#bucketStamp;
    let lineStart = 0;
    while (lineStart < n) {
      const contentStart = skipTimestamp(buf, lineStart, n);
      let h = 0;
      let count = 0;
      const stamp = this.#lineNo + 1;
      let j = contentStart;
      for (; j < n; j++) {
        const c = buf[j] as number;
        if (c < 32) {
          if (c === 10) break;
          if (c === 27) {
            j = skipAnsi(buf, j, n);
            continue;
          }
        }
        h = ((h << 7) | ((c | 32) & 127)) & 0xfffffff;
        const bucket = table[Math.imul(h, 0x9e3779b1) >>> HASH_SHIFT] as number;
        if (bucket !== 0 && stamps[bucket] !== stamp) {
          stamps[bucket] = stamp;
          candidates[count++] = bucket;
        }
      }
      if (j >= n) {
        if (n - lineStart <= MAX_LINE_BYTES) {
          // This line is scanned again once its end arrives: forget what it stamped.
          for (let k = 0; k < count; k++) stamps[candidates[k] as number] = -1;
          return lineStart;
        }
        // A line longer than the cap is judged on its first bytes; the rest is skipped up to its newline.
        this.#line(buf, { start: contentStart, end: lineStart + MAX_LINE_BYTES, count });
        this.#skipToNewline = true;
        return n;
      }
      this.#line(buf, { start: contentStart, end: j, count });
      lineStart = j + 1;
    }
    return n;
  }

  #line(buf: Uint8Array, at: { start: number; end: number; count: number }): void {
    const lineNo = ++this.#lineNo;
    const { start, end, count } = at;
    const ring = this.#ring;
    const slot = ring.next;
    ring.bufs[slot] = buf;
    ring.starts[slot] = start;
    ring.ends[slot] = end;
    ring.lines[slot] = lineNo;
    ring.steps[slot] = this.#step;
    ring.next = (slot + 1) % ring.lines.length;

    let text: string | undefined;
    let matchText: string | undefined;
    // `##[` after the timestamp: a runner marker.
    if (buf[start] === 35 && buf[start + 1] === 35 && buf[start + 2] === 91) {
      text = this.#decode(buf, start, end);
      matchText = this.#marker(text, lineNo);
    }
    if (count === 0) return;
    text ??= this.#decode(buf, start, end);
    matchText ??= text;
    const { signals, buckets, verifiers } = this.#matcher;
    const tested = this.#tested;
    let lower: string | undefined;
    for (let k = 0; k < count; k++) {
      for (const id of buckets[(this.#candidates[k] as number) - 1] as readonly number[]) {
        if (tested[id] === lineNo) continue;
        tested[id] = lineNo;
        lower ??= matchText.toLowerCase();
        if (!passes(verifiers[id] as readonly (readonly string[])[], lower)) continue;
        if ((signals[id] as RegExp).test(matchText))
          this.#record(id, { line: lineNo, text, step: this.#step });
      }
    }
  }

  /** Handles a `##[...]` line; returns the text rules should see (the marker removed). */
  #marker(text: string, lineNo: number): string {
    const close = text.indexOf("]");
    const kind = text.slice(3, close);
    const body = text.slice(close + 1);
    if (kind === "group") {
      const title = body.trim();
      if (this.#step === undefined || STEP_GROUP.test(title)) this.#step = title;
    } else if (kind === "error" && this.#firstError === undefined) {
      this.#firstError = { line: lineNo, text, step: this.#step };
      this.#failingStep = this.#step;
      // The ring already holds this line; context is what came before it.
      this.#beforeError = this.#ringLines().filter((l) => l.line !== lineNo);
    }
    if (kind === "error" && this.#exitCode === undefined) {
      const m = EXIT_CODE.exec(body);
      if (m) this.#exitCode = Number(m[1]);
    }
    return body;
  }

  #record(id: number, found: LogLine): void {
    // A clipped copy, so a hit on a huge line does not keep the whole line (or its chunk) alive.
    const hit =
      found.text.length > MAX_HIT_CHARS
        ? { ...found, text: Buffer.from(found.text.slice(0, MAX_HIT_CHARS)).toString() }
        : found;
    const hits = this.#hits[id] as SignalHits;
    hits.total++;
    if (hits.lines.length < this.#maxHits) {
      hits.lines.push(hit);
      return;
    }
    // Keep the first half as found and let the second half roll, so both the start and the end survive.
    const keep = this.#maxHits >> 1;
    hits.lines.splice(keep, 1);
    hits.lines.push(hit);
  }

  #decode(buf: Uint8Array, start: number, end: number): string {
    let text = this.#decoder.decode(buf.subarray(start, end));
    if (text.endsWith("\r")) text = text.slice(0, -1);
    if (text.includes(ESC)) text = text.replace(ANSI, "");
    return text;
  }

  /** Non-empty, non-marker lines held in the ring, oldest first. */
  #ringLines(): LogLine[] {
    const ring = this.#ring;
    const size = ring.lines.length;
    const out: LogLine[] = [];
    for (let k = 0; k < size; k++) {
      const slot = (ring.next + k) % size;
      const buf = ring.bufs[slot];
      if (buf === undefined) continue;
      const text = this.#decode(buf, ring.starts[slot] as number, ring.ends[slot] as number);
      if (text.trim() === "" || /^##\[(?:group|endgroup)\]/.test(text)) continue;
      out.push({ line: ring.lines[slot] as number, text, step: ring.steps[slot] });
    }
    return out;
  }
}

// True when the line contains every literal of some alternative: only then is the regex worth running.
function passes(verifier: readonly (readonly string[])[], lower: string): boolean {
  for (const literals of verifier) {
    let all = true;
    for (const literal of literals) {
      if (!lower.includes(literal)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

// `2026-01-01T00:00:00.0000000Z ` at the start of a line: returns the offset after it, or `start`.
function skipTimestamp(buf: Uint8Array, start: number, n: number): number {
  if (start + 20 > n || buf[start + 4] !== 45 || buf[start + 7] !== 45 || buf[start + 10] !== 84)
    return start;
  if (buf[start + 13] !== 58 || buf[start + 16] !== 58) return start;
  const limit = Math.min(n - 1, start + 40);
  for (let j = start + 19; j < limit; j++) {
    const c = buf[j];
    if (c === 90 && buf[j + 1] === 32) return j + 2;
    if (c === 32 || c === 10) return start;
  }
  return start;
}

// Returns the offset of the last byte of the escape sequence starting at `j` (an ESC).
function skipAnsi(buf: Uint8Array, j: number, n: number): number {
  if (buf[j + 1] !== 91) return j;
  let k = j + 2;
  while (k < n) {
    const c = buf[k] as number;
    if (c === 10) return k - 1;
    if (c >= 0x40 && c <= 0x7e) return k;
    k++;
  }
  return k - 1;
}
