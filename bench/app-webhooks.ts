// Ordinary (non-command) comment deliveries per second into the devops-agent App, beside a bare Probot app
// with a no-op handler, in the same run. Both are the real Probot server over HTTP with signed deliveries;
// the payload is a real issue_comment.created example from @octokit/webhooks-examples. Goal: ≥ 0.7×.
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import type { ApplicationFunction, Probot } from "probot";
import { devopsAgentApp } from "../src/app/app.ts";
import { startAppServer } from "../src/app/server.ts";
import { signWebhook } from "../src/sandbox/github/webhooks.ts";

const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 1500);
const CONCURRENCY = 8;
const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as {
  name: string;
  examples: { action?: string; comment: { body: string } }[];
}[];
const example = examples
  .find((e) => e.name === "issue_comment")
  ?.examples.find((e) => e.action === "created");
if (!example) throw new Error("no issue_comment.created example");
const body = JSON.stringify({
  ...example,
  comment: { ...example.comment, body: "Looks good to me, thanks!" },
});

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const secret = "bench-secret";
const signature = signWebhook(secret, body);

async function rate(app: ApplicationFunction): Promise<number> {
  const server = await startAppServer({
    appId: 1,
    privateKey,
    webhookSecret: secret,
    app,
    baseUrl: "http://127.0.0.1:9",
  });
  const send = async () => {
    const response = await fetch(server.webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "issue_comment",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": signature,
      },
      body,
    });
    await response.arrayBuffer();
    if (response.status >= 300) throw new Error(`delivery answered ${response.status}`);
  };
  for (let i = 0; i < 100; i++) await send(); // warm up
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < DELIVERIES) await send();
    }),
  );
  const perSecond = DELIVERIES / ((performance.now() - started) / 1000);
  await server.close();
  return perSecond;
}

// Alternate the two and keep each one's best round, so warm-up and order favour neither.
const noop = (app: Probot) => app.on("issue_comment.created", async () => {});
let bare = 0;
let ours = 0;
for (let round = 0; round < 2; round++) {
  bare = Math.max(bare, await rate(noop));
  ours = Math.max(ours, await rate(devopsAgentApp));
}
console.log(
  `App webhooks: ${DELIVERIES} ordinary issue_comment.created deliveries, ${CONCURRENCY} in flight`,
);
console.log(`  bare Probot, no-op handler     ${bare.toFixed(0)} deliveries/s`);
console.log(`  devops-agent App               ${ours.toFixed(0)} deliveries/s`);
console.log(`  ratio                          ${(ours / bare).toFixed(2)}× (goal ≥ 0.70×)`);
