// Compiles the patterns the rules mention into numbered signals and the prefilter table that points each
// 4-byte anchor to the signals worth testing when it shows up in a line.
import { anchorsOf, hashOfQuad, TABLE_BITS, verifiersOf } from "./prefilter.ts";

export interface LineMatcher {
  /** Regexes by signal id. */
  readonly signals: readonly RegExp[];
  /** Per hash slot: 0 for none, else 1 + index into `buckets`. */
  readonly table: Uint16Array;
  /** Signal ids worth testing when a slot fires. */
  readonly buckets: readonly (readonly number[])[];
  /** By signal id: literals a lower-cased line must contain (all of one inner list) before the regex runs. */
  readonly verifiers: readonly (readonly (readonly string[])[])[];
}

export function patternKey(pattern: RegExp): string {
  return `/${pattern.source}/${pattern.flags}`;
}

/**
 * Builds the matcher. Throws when a pattern has no literal of 4+ characters to anchor on: such a pattern
 * would have to run on every line and would undo the prefilter.
 */
export function compileMatcher(patterns: readonly RegExp[]): LineMatcher {
  const table = new Uint16Array(1 << TABLE_BITS);
  const buckets: number[][] = [];
  patterns.forEach((pattern, id) => {
    const anchors = anchorsOf(pattern);
    if (anchors === undefined) {
      throw new Error(`triage pattern ${patternKey(pattern)} has no literal of 4+ characters to anchor on`);
    }
    for (const quad of anchors) {
      const slot = hashOfQuad(quad);
      let bucket = table[slot] ?? 0;
      if (bucket === 0) {
        buckets.push([]);
        bucket = buckets.length;
        table[slot] = bucket;
      }
      const ids = buckets[bucket - 1] as number[];
      if (!ids.includes(id)) ids.push(id);
    }
  });
  // Signals are tested with .test() one line at a time: a sticky/global lastIndex would skip matches.
  const signals = patterns.map((p) =>
    p.global || p.sticky ? new RegExp(p.source, p.flags.replace(/[gy]/g, "")) : p,
  );
  return { signals, table, buckets, verifiers: patterns.map(verifiersOf) };
}
