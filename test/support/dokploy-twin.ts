// Test harness for the Dokploy twin: starts it on port 0 with an API key, and at the end fails the test on any
// exchange that broke Dokploy's description or the documented response shapes (fail-closed), recording the counts
// so `npm test` prints validated/total for the twin.
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import type { TestContext } from "node:test";
import { addApiKey, DokployTwin, type DokployTwinOptions } from "../../src/sandbox/dokploy/index.ts";

export interface DokployHarness {
  twin: DokployTwin;
  /** Dokploy's base URL, `<origin>/api`. */
  api: string;
  apiKey: string;
}

export async function startDokployTwin(
  t: TestContext,
  options: DokployTwinOptions & { expectViolations?: boolean } = {},
): Promise<DokployHarness> {
  const twin = await new DokployTwin(options).start();
  t.after(async () => {
    await twin.close();
    recordDokployContract(twin, { canary: options.expectViolations === true });
    if (!options.expectViolations) assertDokployContractClean(twin);
  });
  const { key } = addApiKey(twin, { organizationId: "org-1" });
  return { twin, api: twin.apiUrl, apiKey: key };
}

export function assertDokployContractClean(twin: DokployTwin): void {
  const lines = twin
    .contractReport()
    .violations.map((v) => `${v.method} ${v.path} → ${v.status}: ${v.violations.join("; ")}`);
  assert.deepEqual(
    lines,
    [],
    "every exchange must validate against Dokploy's description and documented shapes",
  );
}

/** Canary twins break the contract on purpose; they are counted apart so the suite shows the check bites. */
export function recordDokployContract(twin: DokployTwin, options: { canary: boolean }): void {
  const file = process.env.DEVOPS_CONTRACT_LOG;
  if (!file) return;
  const { validated, total } = twin.contractReport();
  appendFileSync(file, `${JSON.stringify({ twin: "dokploy", canary: options.canary, validated, total })}\n`);
}
