// Triage bench: scores the engine on the labelled cases (accuracy, precision, recall per category,
// leave-one-out), then diagnoses a 100 MB synthetic GitHub Actions log in a child process and compares its
// time with `grep -cF error` over the same file. Run: node_modules/.bin/node bench/triage.ts [--mb N] [--keep]
import { spawnSync } from "node:child_process";
import {
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LabelledCase, leaveOneOut, parseCases, scoreCases } from "../src/triage/evaluate.ts";
import { diagnose } from "../src/triage/index.ts";

const GOAL_MS = 1500;
const GOAL_RSS_MB = 150;
const EMBEDDED_CASE = "native-pnpm-workspace-yaml-not-copied-homer";

const here = fileURLToPath(import.meta.url);
const casesPath = join(here, "..", "..", "test", "fixtures", "triage", "cases.jsonl");

if (process.argv[2] === "--child") {
  await child(process.argv[3] as string);
} else {
  await main();
}

// Only the diagnosis runs here, so maxRSS is the engine's (plus Node's own baseline).
async function child(file: string): Promise<void> {
  const started = performance.now();
  const d = await diagnose(createReadStream(file, { highWaterMark: 1 << 20 }));
  const ms = performance.now() - started;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    JSON.stringify({
      ms,
      maxRssMb,
      category: d.category,
      ruleId: d.ruleId,
      failingStep: d.failingStep,
      evidence: d.evidence,
    }),
  );
}

async function main(): Promise<void> {
  const mbArg = process.argv.indexOf("--mb");
  const megabytes = mbArg === -1 ? 100 : Number(process.argv[mbArg + 1]);
  const cases = parseCases(readFileSync(casesPath, "utf8"));
  await printScores(cases);

  const dir = mkdtempSync(join(tmpdir(), "triage-bench-"));
  try {
    const file = join(dir, "job.log");
    const embedded = cases.find((c) => c.id === EMBEDDED_CASE) as LabelledCase;
    const genStart = performance.now();
    const lines = generateLog({ file, bytes: megabytes * 1024 * 1024, failure: embedded });
    const size = statSync(file).size;
    console.log(
      `\nsynthetic log: ${(size / 1048576).toFixed(1)} MB, ${lines.toLocaleString("en")} lines, generated in ${ms(performance.now() - genStart)} (case ${embedded.id} embedded at the end)`,
    );

    const grepStart = performance.now();
    const grep = spawnSync("grep", ["-cF", "error", file], { encoding: "utf8" });
    const grepMs = performance.now() - grepStart;

    const childStart = performance.now();
    const run = spawnSync(process.execPath, [here, "--child", file], {
      encoding: "utf8",
      maxBuffer: 1 << 24,
    });
    const childWallMs = performance.now() - childStart;
    if (run.status !== 0) throw new Error(`diagnosis child failed: ${run.stderr}`);
    const result = JSON.parse(run.stdout) as {
      ms: number;
      maxRssMb: number;
      category: string;
      ruleId?: string;
      failingStep?: string;
      evidence: { line: number; text: string }[];
    };

    console.log(
      `diagnosis: ${result.category} (${result.ruleId ?? "-"}), expected ${embedded.category}; failing step: ${result.failingStep ?? "-"}`,
    );
    for (const e of result.evidence) console.log(`  ${e.line}: ${e.text.slice(0, 100)}`);
    console.log(
      `triage:   ${ms(result.ms)} (child process wall ${ms(childWallMs)}, incl. Node start), peak RSS ${result.maxRssMb.toFixed(0)} MB`,
    );
    console.log(`grep -cF error: ${ms(grepMs)} (${grep.stdout.trim()} matching lines)`);
    console.log(`ratio triage/grep: ${(result.ms / grepMs).toFixed(1)}x`);
    console.log(
      `goals: time ${result.ms <= GOAL_MS ? "met" : "MISSED"} (≤ ${GOAL_MS} ms), RSS ${result.maxRssMb <= GOAL_RSS_MB ? "met" : "MISSED"} (≤ ${GOAL_RSS_MB} MB), diagnosis ${result.category === embedded.category ? "right" : "WRONG"}`,
    );
  } finally {
    if (process.argv.includes("--keep")) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function printScores(cases: readonly LabelledCase[]): Promise<void> {
  const score = await scoreCases(cases);
  console.log(`cases: ${score.total}`);
  console.log(`top-1 accuracy: ${pct(score.accuracy)} (${score.correct}/${score.total})`);
  console.log(
    `precision on non-unknown answers: ${pct(score.precision)} (${score.answeredCorrect}/${score.answered})`,
  );
  console.log("recall per category:");
  for (const [category, r] of Object.entries(score.recallByCategory).sort()) {
    console.log(`  ${category.padEnd(24)} ${r.correct}/${r.total}`);
  }
  const misses = score.results.filter((r) => r.got !== r.expected);
  if (misses.length > 0) console.log(`misses: ${misses.map((m) => `${m.id} → ${m.got}`).join(", ")}`);
  for (const mode of ["strict", "lenient"] as const) {
    const loo = await leaveOneOut(cases, { mode });
    console.log(
      `leave-one-out (${mode}): accuracy ${pct(loo.accuracy)}, precision ${pct(loo.precision)} (${loo.answeredCorrect}/${loo.answered} answered)`,
    );
  }
}

// A GitHub Actions job log: timestamped lines, steps as groups, npm/docker/test noise with the usual
// harmless mentions of "error", and one real case's log as the output of the failing last step.
function generateLog(options: { file: string; bytes: number; failure: LabelledCase }): number {
  const fd = openSync(options.file, "w");
  let written = 0;
  let lines = 0;
  let clock = Date.UTC(2026, 0, 1, 12, 0, 0);
  const stamp = (): string => {
    clock += 3;
    return `${new Date(clock).toISOString().slice(0, 23)}0000Z `;
  };
  const flush = (text: string): void => {
    written += writeSync(fd, text);
  };
  const pkgs = [
    "lodash",
    "react",
    "typescript",
    "@babel/core",
    "esbuild",
    "webpack",
    "eslint",
    "sharp",
    "zod",
    "yaml",
    "pino",
    "undici",
    "express",
    "next",
    "vite",
    "rollup",
    "postcss",
    "tailwindcss",
    "vitest",
    "chalk",
  ];
  const noise: ((i: number) => string)[] = [
    (i) =>
      `npm http fetch GET 200 https://registry.npmjs.org/${pkgs[i % 20]}/-/${pkgs[i % 20]}-${i % 13}.${i % 7}.${i % 5}.tgz ${i % 900}ms (cache hit)`,
    (i) =>
      `#${i % 40} ${((i % 1000) / 10).toFixed(2)} added ${i % 1500} packages, and audited ${i % 1700} packages in ${i % 30}s`,
    (i) => `#${i % 40} [builder ${i % 7}/9] RUN npm ci --no-audit --no-fund`,
    () =>
      "npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory. Do not use it.",
    (i) =>
      `#${i % 40} sha256:${(Math.imul(i, 2654435761) >>> 0).toString(16).padStart(8, "0")}e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4 ${i % 99}.${i % 10}MB / 120.4MB ${i % 50}.3s`,
    (i) => `  webpack 5.9${i % 10}.0 compiled with 0 errors and ${i % 4} warnings in ${i % 5000} ms`,
    (i) => `  ✓ src/api/client.test.ts > retries on error responses (${i % 40} ms)`,
    (i) =>
      `    at Object.<anonymous> (/home/runner/work/app/app/node_modules/${pkgs[i % 20]}/lib/index.js:${i % 400}:${i % 60})`,
    (i) => `#${i % 40} ${(i % 100) / 10} npm warn deprecated error-ex@1.3.${i % 3}: no longer maintained`,
    (i) => `[${i % 60}/${(i % 90) + 60}] Compiling src/components/Widget${i % 300}.tsx`,
    (i) => `#${i % 40} DONE ${(i % 90) / 10}s`,
    (i) => `Received ${i % 9000} of ${(i % 9000) + 1000} (${i % 100}.0%), ${(i % 50) / 10} MBs/sec`,
  ];
  const stepTitles = [
    "Run actions/checkout@v4",
    "Run actions/setup-node@v4",
    "Run npm ci",
    "Run npm test",
    "Run docker/build-push-action@v6",
  ];
  let buf = "";
  let i = 0;
  flush(`\uFEFF${stamp()}Current runner version: '2.321.0'\n`);
  const bodyBytes = options.bytes - 8 * 1024;
  while (written + buf.length < bodyBytes) {
    i++;
    let line: string;
    if (i % 50_000 === 1) line = `##[group]${stepTitles[Math.floor(i / 50_000) % stepTitles.length]}`;
    else if (i % 50_000 === 8) line = "##[endgroup]";
    else line = (noise[(i * 7 + (i >> 3)) % noise.length] as (i: number) => string)(i);
    buf += `${stamp()}${line}\n`;
    lines++;
    if (buf.length > 1 << 20) {
      flush(buf);
      buf = "";
    }
  }
  buf += `${stamp()}##[group]Run docker build -t app .\n${stamp()}docker build -t app .\n${stamp()}##[endgroup]\n`;
  lines += 3;
  for (const l of options.failure.log.split("\n")) {
    buf += `${stamp()}${l}\n`;
    lines++;
  }
  buf += `${stamp()}##[error]Process completed with exit code 1.\n`;
  flush(buf);
  closeSync(fd);
  return lines + 2;
}

function ms(n: number): string {
  return `${n.toFixed(0)} ms`;
}

function pct(n: number): string {
  return `${(n * 100).toFixed(1)}%`;
}
