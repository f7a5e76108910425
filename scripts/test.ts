// `npm test`: every test file under test/ with node's runner, then the suite-wide contract figures
// (exchanges validated against the providers' own API descriptions) and one closing count line.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "devops-agent-test-"));
const contractLog = join(dir, "contract.jsonl");
const countsFile = join(dir, "counts.json");
const patterns = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["test/**/*.test.ts"];

const result = spawnSync(
  process.execPath,
  [
    "--test",
    "--test-concurrency=2",
    // A hung test fails instead of hanging CI.
    "--test-timeout=120000",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    `--test-reporter=${new URL("./count-reporter.mjs", import.meta.url).pathname}`,
    "--test-reporter-destination=stderr",
    ...patterns,
  ],
  {
    stdio: "inherit",
    env: { ...process.env, DEVOPS_CONTRACT_LOG: contractLog, DEVOPS_TEST_COUNTS: countsFile },
  },
);

const totals = new Map<string, { validated: number; total: number }>();
const canaries = new Map<string, { validated: number; total: number }>();
if (existsSync(contractLog)) {
  for (const line of readFileSync(contractLog, "utf8").split("\n").filter(Boolean)) {
    const entry = JSON.parse(line) as { twin: string; canary?: boolean; validated: number; total: number };
    const into = entry.canary ? canaries : totals;
    const sum = into.get(entry.twin) ?? { validated: 0, total: 0 };
    sum.validated += entry.validated;
    sum.total += entry.total;
    into.set(entry.twin, sum);
  }
}
console.log("\nContract validation (exchanges checked against the official API descriptions, fail-closed):");
if (totals.size === 0) console.log("  none recorded");
for (const [twin, { validated, total }] of totals) {
  console.log(
    `  ${twin}: ${validated}/${total} validated${validated === total ? "" : `, ${total - validated} VIOLATIONS`}`,
  );
}
for (const [twin, { validated, total }] of canaries) {
  console.log(`  ${twin} canary: ${total - validated} of ${total} deliberately invalid exchanges caught`);
}
// Fail-closed for the suite too: a twin that was exercised must have a canary proving its check bites.
const missingCanary = [...totals.keys()].filter((twin) => {
  const canary = canaries.get(twin);
  return !canary || canary.validated === canary.total;
});
for (const twin of missingCanary) console.log(`  ${twin}: NO CANARY caught an invalid exchange`);
const counts = existsSync(countsFile)
  ? (JSON.parse(readFileSync(countsFile, "utf8")) as { passed: number; failed: number; skipped: number })
  : { passed: 0, failed: 1, skipped: 0 };
rmSync(dir, { recursive: true, force: true });
const contractBroken =
  [...totals.values()].some(({ validated, total }) => validated !== total) || missingCanary.length > 0;
console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(result.status !== 0 || counts.failed > 0 || contractBroken ? 1 : 0);
