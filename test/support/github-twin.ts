// Test harness for the GitHub twin: starts it on port 0, hands out official Octokit clients, and at the end
// fails the test on any exchange that broke GitHub's description (fail-closed), recording the counts so
// `npm test` can print validated/total for the whole suite.
import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import type { TestContext } from "node:test";
import { Octokit } from "@octokit/rest";
import { createGithubTwin } from "../../src/sandbox/github/index.ts";
import type { GithubTwin, GithubTwinOptions } from "../../src/sandbox/github/twin.ts";
import { addUser } from "../../src/sandbox/github/world.ts";

export interface TwinHarness {
  twin: GithubTwin;
  /** An Octokit acting as a user (created if needed), through the twin's base URL. */
  asUser(login: string): Octokit;
  octokit(token: string): Octokit;
}

export async function startGithubTwin(
  t: TestContext,
  options: GithubTwinOptions & { expectViolations?: boolean } = {},
): Promise<TwinHarness> {
  const twin = await createGithubTwin(options).start();
  t.after(async () => {
    await twin.close();
    recordContract(twin, { canary: options.expectViolations === true });
    if (!options.expectViolations) assertContractClean(twin);
  });
  const octokit = (token: string) =>
    new Octokit({ auth: token, baseUrl: twin.url, request: { retries: 0 }, log: quietLog });
  return {
    twin,
    octokit,
    asUser: (login) => octokit(addUser(twin, { login }).token),
  };
}

export function assertContractClean(twin: GithubTwin): void {
  const report = twin.contractReport();
  const lines = report.violations.map(
    (v) => `${v.method} ${v.path} → ${v.status}: ${v.violations.join("; ")}`,
  );
  assert.deepEqual(lines, [], "every exchange must validate against GitHub's description");
  // Webhook payloads are held to GitHub's webhook description the same way (webhooks.ts): one that failed
  // validation was not delivered, and fails the test here.
  const refused = twin.deliveries
    .filter((d) => d.violations.length > 0)
    .map((d) => `${d.event}${d.action ? `.${d.action}` : ""} ${d.deliveryId}: ${d.violations.join("; ")}`);
  assert.deepEqual(refused, [], "every webhook payload must validate against GitHub's webhook description");
}

/** Canary twins break the contract on purpose; they are counted apart so the suite can show the check bites. */
export function recordContract(twin: GithubTwin, options: { canary: boolean }): void {
  const file = process.env.DEVOPS_CONTRACT_LOG;
  if (!file) return;
  const { validated, total } = twin.contractReport();
  appendFileSync(file, `${JSON.stringify({ twin: "github", canary: options.canary, validated, total })}\n`);
  // Deliveries are counted as their own line, so the suite prints webhook payloads validated/total apart.
  if (twin.deliveries.length === 0) return;
  const deliveries = {
    validated: twin.deliveries.filter((d) => d.violations.length === 0).length,
    total: twin.deliveries.length,
  };
  appendFileSync(
    file,
    `${JSON.stringify({ twin: "github-webhooks", canary: options.canary, ...deliveries })}\n`,
  );
}

const quietLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
