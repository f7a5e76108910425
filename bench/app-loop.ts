// The App loop against the twin: `/devops plan` delivered → sticky checklist comment written (p50, p99, plans
// per second), and how many GitHub API calls the App makes for one deploy → approve cycle. Goals: p50 ≤ 100 ms,
// calls ≤ 25. The twin runs without Probot's one-write-a-second spacing, which exists for GitHub's limits.
import { performance } from "node:perf_hooks";
import { mergeOnboarding, openChangePullRequest, personOctokit } from "../src/sandbox/demo.ts";
import { SANDBOX, startSandbox } from "../src/sandbox/sandbox.ts";

const ROUNDS = Number(process.env.BENCH_PLANS ?? 40);
const sandbox = await startSandbox();
const { twin } = sandbox;
const { owner, repo } = SANDBOX;
const appCaller = (caller: string | undefined) =>
  caller === "devops-agent[bot]" || caller === `app:${sandbox.appId}`;

await mergeOnboarding(sandbox);
const wes = personOctokit(sandbox, SANDBOX.people.writer);
const maya = personOctokit(sandbox, SANDBOX.people.maintainer);
const pr = await openChangePullRequest(sandbox, { login: SANDBOX.people.writer, branch: "bench-plans" });

/** Resolves when the App writes (creates or updates) a comment after exchange `from`. */
async function stickyWritten(from: number): Promise<void> {
  for (;;) {
    const written = twin.exchanges
      .slice(from)
      .some(
        (e) =>
          appCaller(e.caller) &&
          (e.operationId === "issues/update-comment" || e.operationId === "issues/create-comment") &&
          e.status < 300,
      );
    if (written) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const latencies: number[] = [];
for (let round = 0; round < ROUNDS + 3; round++) {
  const from = twin.exchanges.length;
  const started = performance.now();
  await wes.issues.createComment({ owner, repo, issue_number: pr.number, body: "/devops plan" });
  await stickyWritten(from);
  if (round >= 3) latencies.push(performance.now() - started); // the first rounds warm up
  await twin.settled(); // the read-only plan run the App dispatched finishes before the next round
}
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;

// One full cycle on a fresh pull request, counting the App's own calls (App JWT and installation token).
const cycle = await openChangePullRequest(sandbox, { login: SANDBOX.people.writer, branch: "bench-cycle" });
const from = twin.exchanges.length;
await wes.issues.createComment({ owner, repo, issue_number: cycle.number, body: "/devops deploy" });
await twin.settled();
await maya.issues.createComment({ owner, repo, issue_number: cycle.number, body: "/approve" });
await twin.settled();
const calls = twin.exchanges.slice(from).filter((e) => appCaller(e.caller));
const applies = Object.values(twin.repoByName(`${owner}/${repo}`)?.runs ?? {}).filter(
  (r) => r.inputs.command === "apply" && r.inputs.pr === String(cycle.number),
);
const byOperation = new Map<string, number>();
for (const call of calls)
  byOperation.set(call.operationId ?? "?", (byOperation.get(call.operationId ?? "?") ?? 0) + 1);

console.log(`App loop against the twin: ${ROUNDS} × /devops plan, then one deploy → approve cycle`);
console.log(
  `  /devops plan → sticky comment   p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms (goal p50 ≤ 100 ms)`,
);
console.log(`  plans per second (sequential)   ${(1000 / mean).toFixed(1)}`);
console.log(
  `  API calls, deploy → approve     ${calls.length} (goal ≤ 25); apply runs dispatched: ${applies.length}`,
);
console.log(
  `    ${[...byOperation.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([op, n]) => `${op} ×${n}`)
    .join(", ")}`,
);
await sandbox.close();
if (applies.length !== 1) {
  console.error(
    "the cycle did not dispatch exactly one apply run: the figures above do not describe a working loop",
  );
  process.exit(1);
}
