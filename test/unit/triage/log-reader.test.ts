import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { type LogScan, type LogSource, scanLog } from "../../../src/triage/log-reader.ts";
import { compileMatcher } from "../../../src/triage/matcher.ts";

const SIGNALS = [/exec format error/, /no space left on device/i, /Ignored build scripts:/];

function scan(source: LogSource, options: { maxHitsPerSignal?: number } = {}): Promise<LogScan> {
  return scanLog(source, { matcher: compileMatcher(SIGNALS), ...options });
}

const GHA = [
  "\uFEFF2026-01-01T10:00:00.0000000Z Current runner version: '2.321.0'",
  "2026-01-01T10:00:01.1234567Z ##[group]Run actions/checkout@v4",
  "2026-01-01T10:00:01.2000000Z ##[group]Getting Git version info",
  "2026-01-01T10:00:01.3000000Z git version 2.47.0",
  "2026-01-01T10:00:01.4000000Z ##[endgroup]",
  "2026-01-01T10:00:02.0000000Z ##[group]Run docker build .",
  "2026-01-01T10:00:02.1000000Z docker build .",
  "2026-01-01T10:00:02.2000000Z ##[endgroup]",
  "2026-01-01T10:00:03.0000000Z #5 0.412 exec /bin/sh: exec format error",
  "2026-01-01T10:00:03.1000000Z ##[error]Process completed with exit code 1.",
  "2026-01-01T10:00:04.0000000Z ##[group]Post Run actions/checkout@v4",
  "2026-01-01T10:00:04.1000000Z ##[error]a later error does not move the failing step",
].join("\n");

async function* chunked(text: string, size: number): AsyncIterable<Uint8Array> {
  const bytes = Buffer.from(text, "utf8");
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe("log reader", () => {
  it("strips timestamps, follows groups and finds the failing step with original line numbers", async () => {
    const s = await scan(GHA);
    assert.equal(s.lineCount, 12);
    assert.deepEqual(s.hits[0]?.lines, [
      { line: 9, text: "#5 0.412 exec /bin/sh: exec format error", step: "Run docker build ." },
    ]);
    assert.equal(s.failingStep, "Run docker build .");
    assert.equal(s.exitCode, 1);
    assert.deepEqual(s.firstError, {
      line: 10,
      text: "##[error]Process completed with exit code 1.",
      step: "Run docker build .",
    });
    assert.deepEqual(
      s.beforeError.map((l) => l.line),
      [1, 4, 7, 9],
      "context keeps non-empty, non-marker lines",
    );
    assert.equal(s.beforeError[0]?.text, "Current runner version: '2.321.0'", "BOM and timestamp removed");
  });

  it("gives the same result whatever the chunking, even inside a multi-byte character", async () => {
    const text = `${GHA}\nété — no space left on device ✓\n`;
    const whole = await scan(text);
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const s = await scan(chunked(text, size));
      assert.deepEqual(s.hits, whole.hits, `chunk size ${size}`);
      assert.equal(s.failingStep, whole.failingStep);
      assert.equal(s.lineCount, whole.lineCount);
    }
    assert.deepEqual(whole.hits[1]?.lines[0], {
      line: 13,
      text: "été — no space left on device ✓",
      step: "Post Run actions/checkout@v4",
    });
  });

  it("accepts a string, bytes, a Node Readable and an async iterable of strings", async () => {
    const text = "a\r\nexec format error\r\nb";
    const sources: LogSource[] = [
      text,
      Buffer.from(text),
      Readable.from([Buffer.from(text)]),
      (async function* () {
        yield "a\r\nexec format ";
        yield "error\r\nb";
      })(),
    ];
    for (const source of sources) {
      const s = await scan(source);
      assert.equal(s.lineCount, 3);
      assert.deepEqual(
        s.hits[0]?.lines,
        [{ line: 2, text: "exec format error", step: undefined }],
        "CR removed",
      );
    }
  });

  it("removes colour codes, also when they split a keyword", async () => {
    const s = await scan("\x1b[31mexec format \x1b[1merror\x1b[0m\n");
    assert.equal(s.hits[0]?.lines[0]?.text, "exec format error");
  });

  it("keeps a bounded number of hits per signal: the first ones and the latest", async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `${i + 1} exec format error`).join("\n");
    const s = await scan(lines, { maxHitsPerSignal: 10 });
    const kept = s.hits[0]?.lines.map((l) => l.line) ?? [];
    assert.equal(s.hits[0]?.total, 1000);
    assert.deepEqual(kept, [1, 2, 3, 4, 5, 996, 997, 998, 999, 1000]);
  });

  it("judges an over-long line on its start and keeps counting lines after it", async () => {
    const long = `exec format error ${"x".repeat(200_000)}`;
    const s = await scan(chunked(`${long}\nIgnored build scripts: esbuild\n`, 4096));
    assert.equal(s.lineCount, 2);
    assert.equal(s.hits[0]?.lines[0]?.line, 1);
    assert.ok((s.hits[0]?.lines[0]?.text.length ?? 0) <= 64 * 1024);
    assert.equal(s.hits[2]?.lines[0]?.line, 2);
  });

  it("still tests a signal that appears late in a line full of other anchors", async () => {
    const s = await scan(`${"Ignored build scripts: x, ".repeat(500)}exec format error\n`);
    assert.equal(s.hits[0]?.lines[0]?.line, 1);
    assert.equal(s.hits[2]?.lines[0]?.line, 1);
  });

  it("keeps the last lines as the tail when there is no error marker", async () => {
    const s = await scan(Array.from({ length: 50 }, (_, i) => `line ${i + 1}`).join("\n"));
    assert.equal(s.firstError, undefined);
    assert.equal(s.failingStep, undefined);
    assert.equal(s.tail.at(-1)?.text, "line 50");
    assert.ok(s.tail.length <= 12);
  });
});
