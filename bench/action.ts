// The Action's weight and cold start. Bundle: action/dist (entry and chunks) raw and gzipped, beside a bundle of just
// @actions/core built in the same run with scripts/build-action.ts's options (so the ratio is what our code
// adds), and which packages the bytes come from. Cold start: `node action/dist/index.js` run as the runner runs
// it (`doctor` against a loopback GitHub API), timed from spawn to the first byte on stdout and to exit, beside
// bare `node -e` and a bundled core-only Action measured the same way, interleaved so all see the same load.
// Goal (issue #4): first output within 200 ms. Run: node_modules/.bin/node bench/action.ts (BENCH_RUNS=15)
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { ACTION_BUILD_OPTIONS } from "../scripts/action-build-options.ts";

const GOAL_FIRST_OUTPUT_MS = 200;
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const WARMUPS = 2;
// A dummy: the bench never prints it, only the line shape around it.
const TOKEN = "ghs_benchDummyToken0000000000000000000";

const root = fileURLToPath(new URL("..", import.meta.url));
const bundlePath = join(root, "action", "dist", "index.js");

interface Timing {
  firstMs: number;
  exitMs: number;
  firstLine: string;
  code: number | null;
}

// scripts/build-action.ts's options, so the baseline and the breakdown are bundled as the Action is.
const BUILD_OPTIONS = ACTION_BUILD_OPTIONS;

const scratch = mkdtempSync(join(tmpdir(), "action-bench-"));
try {
  await benchBundle();
  await benchColdStart();
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

async function benchBundle(): Promise<void> {
  // Read once: another engineer's `npm run build` may rewrite the files mid-run. The dist is an entry plus
  // chunks (code splitting): the entry masks secrets first; each command loads its chunks after.
  const dist = join(root, "action", "dist");
  const files = distFiles(dist);
  const ours = Buffer.concat(files.map((f) => f.bytes));
  const entry = files.find((f) => f.name === "index.js")?.bytes ?? Buffer.alloc(0);

  const baselineFile = join(scratch, "core-only.js");
  await build({
    stdin: { contents: 'export * from "@actions/core";', resolveDir: root, loader: "js" },
    outfile: baselineFile,
    ...BUILD_OPTIONS,
  });
  const baseline = readFileSync(baselineFile);
  const oursGz = files.reduce((sum, f) => sum + gzipSync(f.bytes, { level: 9 }).length, 0);
  const baseGz = gzipSync(baseline, { level: 9 }).length;

  console.log(
    "Action bundle: action/dist (entry + chunks) beside an esbuild bundle of just @actions/core (same options)",
  );
  console.log(`  action/dist, all ${files.length} .js files  ${kib(ours.length)} raw, ${kib(oursGz)} gzip`);
  console.log(`  action/dist/index.js (entry)     ${kib(entry.length)} raw`);
  console.log(`  @actions/core alone              ${kib(baseline.length)} raw, ${kib(baseGz)} gzip`);
  console.log(
    `  ratio ours / core                ${(ours.length / baseline.length).toFixed(1)}× raw, ${(oursGz / baseGz).toFixed(1)}× gzip (our code and other deps add ${kib(ours.length - baseline.length)} raw)`,
  );
  const largest = [...files].sort((a, b) => b.bytes.length - a.bytes.length).slice(0, 4);
  console.log(
    `  largest chunks                   ${largest.map((f) => `${f.name} ${kib(f.bytes.length)}`).join(", ")}`,
  );
  await printHeaviest();
}

function distFiles(dir: string): { name: string; bytes: Buffer }[] {
  const out: { name: string; bytes: Buffer }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".js")) continue;
    const path = join(entry.parentPath, entry.name);
    out.push({ name: relative(dir, path), bytes: readFileSync(path) });
  }
  return out;
}

// Where the bytes come from: action/main.ts bundled again (to a temp file) with a metafile, grouped by package.
async function printHeaviest(): Promise<void> {
  const result = await build({
    entryPoints: [join(root, "action", "main.ts")],
    outfile: join(scratch, "action.js"),
    metafile: true,
    ...BUILD_OPTIONS,
  });
  const bytes = new Map<string, number>();
  for (const out of Object.values(result.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      const key = packageOf(input);
      bytes.set(key, (bytes.get(key) ?? 0) + bytesInOutput);
    }
  }
  const total = [...bytes.values()].reduce((a, b) => a + b, 0);
  const top = [...bytes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.log(`  heaviest inputs (a fresh bundle of action/main.ts, ${kib(total)} of minified code):`);
  for (const [name, size] of top) {
    console.log(
      `    ${name.padEnd(44)} ${kib(size).padStart(11)}  ${((100 * size) / total).toFixed(0).padStart(3)}%`,
    );
  }
}

// Nested copies stay apart (`a/node_modules/b`): two copies of one library is a finding of its own.
function packageOf(input: string): string {
  const at = input.indexOf("node_modules/");
  if (at === -1)
    return input.startsWith("src/") || input.startsWith("action/") ? "our code (src/, action/)" : input;
  const parts = input.slice(at + "node_modules/".length).split("/");
  const name: string[] = [];
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    if (part === "node_modules") continue;
    name.push(part.startsWith("@") ? `${part}/${parts[++i]}` : part);
    if (parts[i + 1] !== "node_modules") break;
  }
  return name.join(" > ");
}

async function benchColdStart(): Promise<void> {
  const requests: string[] = [];
  const api = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (req.method === "GET" && req.url === "/repos/acme/hello") {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ full_name: "acme/hello", default_branch: "main" }));
      return;
    }
    res.writeHead(404, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ message: "Not Found" }));
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;

  const runnerTemp = mkdtempSync(join(scratch, "runner-temp-"));
  const summary = join(scratch, "step-summary.md");
  const output = join(scratch, "github-output");
  const actionEnv = (): NodeJS.ProcessEnv => {
    // Fresh files per run: core appends to them, and a growing file would tax later runs.
    writeFileSync(summary, "");
    writeFileSync(output, "");
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      INPUT_COMMAND: "doctor",
      "INPUT_GITHUB-TOKEN": TOKEN,
      GITHUB_REPOSITORY: "acme/hello",
      GITHUB_API_URL: apiUrl,
      GITHUB_REF: "refs/heads/main",
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_OUTPUT: output,
      RUNNER_TEMP: runnerTemp,
    };
  };

  // The floor for an Action on @actions/core: load core, register the token, nothing else.
  const coreFirst = join(scratch, "core-first.js");
  await build({
    stdin: {
      contents: 'import { getInput, setSecret } from "@actions/core"; setSecret(getInput("github-token"));',
      resolveDir: root,
      loader: "js",
    },
    outfile: coreFirst,
    ...BUILD_OPTIONS,
  });
  const action = (): Promise<Timing> => timeRun([bundlePath], actionEnv());
  const coreOnly = (): Promise<Timing> => timeRun([coreFirst], actionEnv());
  const bare = (): Promise<Timing> =>
    timeRun(["-e", "process.stdout.write('x')"], { PATH: process.env.PATH, HOME: process.env.HOME });

  for (let i = 0; i < WARMUPS; i++) {
    await bare();
    await coreOnly();
    await action();
  }
  requests.length = 0;
  const bareRuns: Timing[] = [];
  const coreRuns: Timing[] = [];
  const actionRuns: Timing[] = [];
  for (let i = 0; i < RUNS; i++) {
    bareRuns.push(await bare());
    coreRuns.push(await coreOnly());
    actionRuns.push(await action());
  }
  api.close();

  const first = actionRuns[0] as Timing;
  const firstLines = new Set(actionRuns.map((r) => r.firstLine));
  const codes = new Set(actionRuns.map((r) => r.code));
  const apiHits = requests.filter((r) => r === "GET /repos/acme/hello").length;
  const bareFirst = stats(bareRuns.map((r) => r.firstMs));
  const bareExit = stats(bareRuns.map((r) => r.exitMs));
  const coreFirstStats = stats(coreRuns.map((r) => r.firstMs));
  const ourFirst = stats(actionRuns.map((r) => r.firstMs));
  const ourExit = stats(actionRuns.map((r) => r.exitMs));

  console.log(
    `\nAction cold start: node action/dist/index.js (command doctor, loopback GitHub API), ${RUNS} runs after ${WARMUPS} warm-ups, interleaved with bare node and a core-only Action`,
  );
  console.log("                                   p50       p90       min");
  console.log(`  bare node -e, first output     ${row(bareFirst)}`);
  console.log(`  bare node -e, exit             ${row(bareExit)}`);
  console.log(
    `  core-only Action, first output ${row(coreFirstStats)}  (bundled setSecret(token): the floor)`,
  );
  console.log(`  action, first output           ${row(ourFirst)}`);
  console.log(`  action, exit                   ${row(ourExit)}`);
  console.log(
    `  ratio action / bare (p50)      first output ${(ourFirst.p50 / bareFirst.p50).toFixed(1)}×, exit ${(ourExit.p50 / bareExit.p50).toFixed(1)}×`,
  );
  console.log(
    `  ratio action / core-only (p50) first output ${(ourFirst.p50 / coreFirstStats.p50).toFixed(1)}× (${ms(ourFirst.p50 - coreFirstStats.p50)} is loading our bundle before its first line)`,
  );
  console.log(
    `  action's first output line     ${[...firstLines].map(describeLine).join(" | ")}${firstLines.size > 1 ? " (varied between runs)" : ""}`,
  );
  console.log(
    `  action exit code               ${[...codes].join(", ")} (doctor fails on the provider secrets the bench does not pass); GET /repos/acme/hello answered ${apiHits}/${RUNS}`,
  );
  console.log(
    `  goal ≤ ${GOAL_FIRST_OUTPUT_MS} ms to first output: ${ourFirst.p50 <= GOAL_FIRST_OUTPUT_MS ? "met" : "NOT MET"} (p50 ${ms(ourFirst.p50)}, p90 ${ms(ourFirst.p90)})`,
  );
  if (apiHits === 0) {
    console.error(`the Action never reached the loopback API; its first run printed:\n${first.firstLine}`);
    process.exitCode = 1;
  }
}

function timeRun(args: string[], env: NodeJS.ProcessEnv): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: scratch, env, stdio: ["ignore", "pipe", "pipe"] });
    let firstMs = Number.NaN;
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      if (Number.isNaN(firstMs)) firstMs = performance.now() - started;
      stdout += chunk.toString("utf8");
    });
    child.stderr.resume();
    child.on("error", reject);
    let exitMs = Number.NaN;
    let code: number | null = null;
    child.on("exit", (status) => {
      exitMs = performance.now() - started;
      code = status;
    });
    // 'exit' can precede the last 'data'; 'close' comes once stdout is drained.
    child.on("close", () =>
      resolve({
        firstMs: Number.isNaN(firstMs) ? exitMs : firstMs,
        exitMs,
        firstLine: stdout.split(/\r?\n/)[0] ?? "",
        code,
      }),
    );
  });
}

function describeLine(line: string): string {
  const shown = line.replaceAll(TOKEN, "<token>");
  if (shown.startsWith("::add-mask::")) return `${shown} (the token registered with the masker)`;
  if (shown.startsWith("::")) return `${shown} (a workflow command)`;
  return `${shown} (a log line)`;
}

function stats(values: number[]): { p50: number; p90: number; min: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return { p50: at(0.5), p90: at(0.9), min: sorted[0] as number };
}

function row(s: { p50: number; p90: number; min: number }): string {
  return `${ms(s.p50).padStart(8)}  ${ms(s.p90).padStart(8)}  ${ms(s.min).padStart(8)}`;
}

function ms(value: number): string {
  return `${value.toFixed(0)} ms`;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
