// Verify checks that cannot run must not pass: silent DNS servers, closed ports, unknown step actions.
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { type TestContext, test } from "node:test";
import type { Step } from "../../../src/plan/types.ts";
import { ProviderError } from "../../../src/providers/types.ts";
import { isCloudflareAddress, VerifyProvider } from "../../../src/providers/verify/index.ts";

function step(action: string, target: string, desired: unknown): Step {
  return {
    id: `verify.${action}:${target}`,
    provider: "verify",
    action,
    target,
    risk: "read",
    desired,
    undo: null,
  };
}

async function silentDnsServer(t: TestContext): Promise<string> {
  // Receives queries and never answers, like a firewalled server.
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return `127.0.0.1:${socket.address().port}`;
}

test("a DNS server that never answers fails the check within the timeout, with why", async (t) => {
  const verify = new VerifyProvider({ resolver: [await silentDnsServer(t)], timeout: 300 });
  const started = Date.now();
  const result = await verify.check(
    step("dns", "app.example.com", { name: "app.example.com", type: "A", answer: "203.0.113.10" }),
  );
  assert.ok(Date.now() - started < 3000, "bounded by the timeout");
  assert.equal(result.ok, false);
  assert.match(
    result.detail,
    /app\.example\.com A did not resolve at 127\.0\.0\.1:\d+: .*(timed out|ETIMEOUT|ECANCELLED)/,
  );
});

test("handles verify steps only, and refuses an action it has no check for", async () => {
  const verify = new VerifyProvider();
  assert.equal(verify.handles(step("http", "u", {})), true);
  assert.equal(verify.handles({ ...step("http", "u", {}), provider: "dokploy" }), false);
  assert.equal(verify.handles(step("ping", "u", {})), false);
  await assert.rejects(
    verify.check(step("ping", "u", {})),
    (e: unknown) => e instanceof ProviderError && e.reason === "unsupported-step",
  );
});

test("Cloudflare's published ranges include its edge and exclude documentation and loopback addresses", () => {
  for (const address of ["104.16.0.1", "172.67.1.1", "2606:4700::1", "162.159.1.1"])
    assert.ok(isCloudflareAddress(address), address);
  for (const address of ["127.0.0.1", "203.0.113.10", "2001:db8::1", "104.32.0.1"])
    assert.ok(!isCloudflareAddress(address), address);
});
