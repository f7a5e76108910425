// Test harness for the Cloudflare twin: starts it on port 0, hands out the official `cloudflare` SDK pointed at
// it by base URL, and at the end fails the test on any exchange that broke Cloudflare's description
// (fail-closed), recording the counts so `npm test` prints validated/total for the suite.
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import type { TestContext } from "node:test";
import Cloudflare from "cloudflare";
import { CloudflareTwin, type CloudflareTwinOptions } from "../../src/sandbox/cloudflare/twin.ts";

export interface CloudflareHarness {
  twin: CloudflareTwin;
  client(token: string, options?: { maxRetries?: number; timeout?: number }): Cloudflare;
}

export async function startCloudflareTwin(
  t: TestContext,
  options: CloudflareTwinOptions & { expectViolations?: boolean } = {},
): Promise<CloudflareHarness> {
  const twin = await new CloudflareTwin(options).start();
  t.after(async () => {
    await twin.close();
    recordCloudflareContract(twin, { canary: options.expectViolations === true });
    if (!options.expectViolations) assertCloudflareContractClean(twin);
  });
  return {
    twin,
    client: (apiToken, clientOptions = {}) =>
      new Cloudflare({
        apiToken,
        baseURL: twin.baseURL,
        maxRetries: clientOptions.maxRetries ?? 0,
        timeout: clientOptions.timeout ?? 10_000,
      }),
  };
}

export function assertCloudflareContractClean(twin: CloudflareTwin): void {
  const lines = twin
    .contractReport()
    .violations.map((v) => `${v.method} ${v.path} → ${v.status}: ${v.violations.join("; ")}`);
  assert.deepEqual(lines, [], "every exchange must validate against Cloudflare's description");
}

/** Canary twins break the contract on purpose; they are counted apart so the suite can show the check bites. */
export function recordCloudflareContract(twin: CloudflareTwin, options: { canary: boolean }): void {
  const file = process.env.DEVOPS_CONTRACT_LOG;
  if (!file) return;
  const { validated, total } = twin.contractReport();
  appendFileSync(
    file,
    `${JSON.stringify({ twin: "cloudflare", canary: options.canary, validated, total })}\n`,
  );
}
