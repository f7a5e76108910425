// The verify provider against the sandbox lab: real DNS over UDP, a real TLS handshake against the sandbox CA,
// a real GET through the HTTPS front to the sample app running as a process, and the app's own log.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import type { Step } from "../../../src/plan/types.ts";
import { judge, matches } from "../../../src/providers/judge.ts";
import { PostconditionError } from "../../../src/providers/types.ts";
import {
  isCloudflareAddress,
  VerifyProvider,
  type VerifyProviderOptions,
} from "../../../src/providers/verify/index.ts";
import { CloudflareTwin } from "../../../src/sandbox/cloudflare/twin.ts";
import { addRecord, addZone } from "../../../src/sandbox/cloudflare/world.ts";
import { startLab } from "../../../src/sandbox/lab/lab.ts";
import { createProcessRuntime } from "../../../src/sandbox/lab/process-runtime.ts";
import { SAMPLE_APP_SERVER } from "../../../src/sandbox/lab/sample-app-image.ts";

const HOST = "app.example.com";
const APP = "hello-service-x1y2z3";
const SERVER_ERROR_APP = `require("node:http").createServer((q, s) => { s.writeHead(500); s.end("database is locked"); }).listen(process.env.PORT)`;

// The shapes src/plan/build.ts `verifySteps` gives each verify step.
function verifyStep(action: "dns" | "tls" | "http" | "log", target: string, desired: unknown): Step {
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
const dnsStep = (answer: unknown) => verifyStep("dns", HOST, { name: HOST, type: "A", answer });
const tlsStep = verifyStep("tls", HOST, { host: HOST, validFor: HOST });
const httpStep = verifyStep("http", `https://${HOST}/healthz`, {
  url: `https://${HOST}/healthz`,
  status: 200,
});
const logStep = (contains: string) => verifyStep("log", APP, { application: APP, contains });

async function setup(
  t: TestContext,
  options: { deploy?: "sample" | "server-error" | false; proxied?: boolean; content?: string } = {},
) {
  const cloudflare = new CloudflareTwin();
  const zone = addZone(cloudflare, { name: "example.com" });
  const record = addRecord(cloudflare, zone.id, {
    type: "A",
    name: "app",
    content: options.content ?? "127.0.0.1",
    proxied: options.proxied ?? false,
  });
  const dataDir = mkdtempSync(join(tmpdir(), "verify-lab-"));
  const runtime = createProcessRuntime({
    resolveImage: (image) => ({
      cwd: dataDir,
      command: image.endsWith("broken")
        ? [process.execPath, "-e", SERVER_ERROR_APP]
        : [process.execPath, SAMPLE_APP_SERVER],
    }),
  });
  t.after(() => runtime.close());
  const lab = await startLab({ cloudflare, runtime });
  t.after(() => lab.close());
  const deploy = async (image = "ghcr.io/acme/hello-service@sha256:abc") => {
    const result = await runtime.deploy({
      appName: APP,
      dockerImage: image,
      env: {},
      domains: [{ host: HOST, port: 3000, https: true }],
    });
    assert.equal(result.status, "done", result.log);
  };
  if (options.deploy !== false)
    await deploy(options.deploy === "server-error" ? "ghcr.io/acme/broken" : undefined);
  const sleeps: number[] = [];
  const provider = (overrides: Partial<VerifyProviderOptions> = {}) =>
    new VerifyProvider({
      resolver: [lab.resolver],
      ca: [lab.caPem],
      ports: lab.ports,
      connectTo: lab.connectTo,
      readLogs: async (application) => runtime.logs(application) ?? "",
      timeout: 2000,
      attempts: 3,
      interval: 1000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...overrides,
    });
  return { cloudflare, record, runtime, lab, provider, deploy, sleeps };
}

test("all four checks pass against the lab with raw evidence read from the world", async (t) => {
  const { provider, lab } = await setup(t);
  const verify = provider();

  const dns = await verify.check(dnsStep("127.0.0.1"));
  assert.equal(dns.ok, true, dns.detail);
  assert.equal(dns.detail, `${HOST} A resolves to 127.0.0.1 at ${lab.resolver}, as expected`);

  const tls = await verify.check(tlsStep);
  assert.equal(tls.ok, true, tls.detail);
  assert.match(String(tls.evidence.issuer), /CN=devops-agent sandbox CA/);
  assert.match(String(tls.evidence.serial), /^[0-9A-F]{32}$/);
  assert.deepEqual(tls.evidence.sans, [`DNS:${HOST}`]);
  const days = (Date.parse(String(tls.evidence.validTo)) - Date.now()) / 86_400_000;
  assert.ok(days > 85 && days <= 90, `expiry about 90 days out, got ${days}`);
  for (const raw of [tls.evidence.serial, tls.evidence.issuer, tls.evidence.validTo]) {
    assert.ok(tls.detail.includes(String(raw)), `detail carries ${raw}: ${tls.detail}`);
  }

  const http = await verify.check(httpStep);
  assert.equal(http.ok, true, http.detail);
  assert.equal(http.evidence.status, 200);
  assert.equal(http.evidence.body, '{"ok":true}');
  assert.match(http.detail, /answered 200: "\{\\"ok\\":true\}"/);

  const log = await verify.check(logStep("migrations applied"));
  assert.equal(log.ok, true, log.detail);
  assert.equal(log.evidence.lineNumber, 1);
  assert.match(String(log.evidence.line), /^\d{4}-\d\d-\d\dT[\d:.]+Z migrations applied$/);
  assert.ok(log.detail.includes(String(log.evidence.line)));

  // read() shapes passing checks like `desired`, so the kernel judges them done.
  for (const step of [dnsStep("127.0.0.1"), tlsStep, httpStep, logStep("migrations applied")]) {
    assert.equal(judge(step, await verify.read(step)), "skip", step.id);
  }
});

test("a proxied record passes as Cloudflare's edge, and TLS and HTTP reach the app through it", async (t) => {
  const { provider } = await setup(t, { proxied: true });
  const verify = provider();
  const dns = await verify.check(dnsStep({ proxiedBy: "cloudflare" }));
  assert.equal(dns.ok, true, dns.detail);
  const addresses = dns.evidence.addresses as string[];
  assert.ok(addresses.length > 0 && addresses.every(isCloudflareAddress), String(addresses));
  assert.equal((await verify.check(tlsStep)).ok, true);
  assert.equal((await verify.check(httpStep)).ok, true);
  // Expecting the origin's address is wrong for a proxied name: the check says what it saw instead.
  const origin = await verify.check(dnsStep("127.0.0.1"));
  assert.equal(origin.ok, false);
  assert.match(origin.detail, /resolves to 104\.16\.0\.1/);
});

test("dns fails with the address seen when the record points elsewhere, and with NXDOMAIN when it is gone", async (t) => {
  const { provider, cloudflare, record } = await setup(t, { content: "127.0.0.2" });
  const verify = provider();
  const elsewhere = await verify.check(dnsStep("127.0.0.1"));
  assert.equal(elsewhere.ok, false);
  assert.match(
    elsewhere.detail,
    /resolves to 127\.0\.0\.2 .*, not 127\.0\.0\.1: point the record at 127\.0\.0\.1/,
  );
  assert.equal(matches(await verify.read(dnsStep("127.0.0.1")), dnsStep("127.0.0.1").desired), false);

  const records = cloudflare.world.records[record.zoneId] ?? [];
  records.splice(records.indexOf(record), 1);
  const gone = await verify.check(dnsStep("127.0.0.1"));
  assert.equal(gone.ok, false);
  assert.match(gone.detail, /ENOTFOUND \(NXDOMAIN: no such name\)/);
  // With the name gone, TLS cannot even find the host: it says so rather than passing.
  const unreachable = await provider().check(tlsStep);
  assert.equal(unreachable.ok, false);
  assert.match(unreachable.detail, /could not resolve app\.example\.com to reach it over TLS: .*ENOTFOUND/);
});

test("tls and https fail with the verification error when the certificate's CA is not trusted", async (t) => {
  const { provider } = await setup(t);
  const verify = provider({ ca: [] }); // node's default store: the sandbox CA is not in it
  const tls = await verify.check(tlsStep);
  assert.equal(tls.ok, false);
  // The front sends the leaf only, so OpenSSL cannot find its issuer in the store.
  assert.match(
    String(tls.evidence.authorizationError),
    /^UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT_LOCALLY)$/,
  );
  assert.match(
    tls.detail,
    /issued by CN=devops-agent sandbox CA.*not valid for app\.example\.com: UNABLE_TO_/,
  );
  const http = await verify.check(httpStep);
  assert.equal(http.ok, false);
  assert.match(http.detail, /unable to (verify the first certificate|get local issuer certificate)/);
});

test("tls fails when the certificate is not valid for the name the plan expects", async (t) => {
  const { provider } = await setup(t);
  const result = await provider().check(verifyStep("tls", HOST, { host: HOST, validFor: "www.example.com" }));
  assert.equal(result.ok, false);
  assert.match(String(result.evidence.authorizationError), /www\.example\.com/);
});

test("http fails with the status and body when the app answers 500, and when no app is up", async (t) => {
  const broken = await setup(t, { deploy: "server-error" });
  const error = await broken.provider().check(httpStep);
  assert.equal(error.ok, false);
  assert.equal(error.evidence.status, 500);
  assert.match(error.detail, /answered 500: "database is locked"; expected a 2xx/);

  await broken.runtime.stop(APP);
  const down = await broken.provider().check(httpStep);
  assert.equal(down.ok, false);
  assert.equal(down.evidence.status, 404);
  assert.match(down.detail, /no application is routed for app\.example\.com/);
});

test("log fails with the log's last line when the expected line is missing, and cannot pass without a reader", async (t) => {
  const { provider } = await setup(t);
  const missing = await provider().check(logStep("schema v2 ready"));
  assert.equal(missing.ok, false);
  assert.match(
    missing.detail,
    /"schema v2 ready" is not in the 2 lines of hello-service-x1y2z3's log; its last line is ".*listening on \d+"/,
  );
  const unread = await provider({ readLogs: undefined }).check(logStep("migrations applied"));
  assert.equal(unread.ok, false);
  assert.match(unread.detail, /could not be read: no log reader/);
});

test("apply retries until the app comes up late, then returns the passing state", async (t) => {
  const lab = await setup(t, { deploy: false });
  const verify = lab.provider({
    attempts: 5,
    sleep: async (ms) => {
      lab.sleeps.push(ms);
      if (lab.sleeps.length === 2) await lab.deploy();
    },
  });
  const live = await verify.apply(httpStep);
  assert.deepEqual(lab.sleeps, [1000, 1000]);
  assert.ok(matches(live, httpStep.desired), JSON.stringify(live));
  // The evidence a report shows is the passing check's, kept without checking again.
  assert.equal(verify.lastCheck(httpStep)?.ok, true);
  assert.equal(verify.lastCheck(httpStep)?.evidence.status, 200);
});

test("apply throws PostconditionError with the last check's evidence when it never passes", async (t) => {
  const { provider, sleeps } = await setup(t);
  const verify = provider();
  const error = await verify.apply(logStep("never logged")).then(
    () => assert.fail("apply passed a check that never passed"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof PostconditionError);
  assert.equal(error.provider, "verify");
  assert.match(
    error.message,
    /log check of hello-service-x1y2z3 did not pass after 3 attempts 1000 ms apart: "never logged" is not in/,
  );
  assert.deepEqual(sleeps, [1000, 1000]);
  assert.equal(matches(error.live, logStep("never logged").desired), false);
  assert.equal(verify.lastCheck(logStep("never logged"))?.ok, false, "the last, failing check is kept");
});
