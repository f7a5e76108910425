import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createProcessRuntime } from "../../../src/sandbox/lab/process-runtime.ts";
import { sampleAppImage } from "../../../src/sandbox/lab/sample-app-image.ts";

const app = {
  appName: "hello-service-ab12cd",
  dockerImage: "ghcr.io/acme/hello-service@sha256:0000",
  env: { GREETING: "hi" },
  domains: [{ host: "app.example.com", port: 3000, https: true }],
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed orphan stays a zombie until its new parent reaps it: dead, though signal 0 still finds it.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

test("deploys the sample app as a process: done, listening on its port, its output timestamped in its log", async (t) => {
  const runtime = createProcessRuntime({
    resolveImage: sampleAppImage({ dataDir: mkdtempSync(join(tmpdir(), "lab-")) }),
  });
  t.after(() => runtime.close());
  const result = await runtime.deploy(app);
  assert.equal(result.status, "done", result.log);
  const port = runtime.portOf(app.appName);
  assert.ok(port);
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { ok: true });
  assert.match(
    runtime.logs(app.appName) ?? "",
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z migrations applied$/m,
  );
  assert.deepEqual(runtime.appForHost("APP.example.com"), { appName: app.appName });
});

test("a crashed app is a deploy error carrying its own log", async (t) => {
  const runtime = createProcessRuntime({
    resolveImage: () => ({
      cwd: tmpdir(),
      command: [
        process.execPath,
        "-e",
        "console.log('booting'); console.error(\"Error: Cannot find module 'better-sqlite3'\"); process.exit(1)",
      ],
    }),
  });
  t.after(() => runtime.close());
  const result = await runtime.deploy(app);
  assert.equal(result.status, "error");
  assert.match(result.errorMessage ?? "", /exited \(code 1\) before it accepted connections/);
  assert.match(result.log, /Z booting\n/);
  assert.match(result.log, /Z Error: Cannot find module 'better-sqlite3'\n/);
  assert.equal(runtime.portOf(app.appName), undefined);
  assert.deepEqual(runtime.pids(), []);
});

test("an app that never listens is an error after the startup timeout, and is stopped", async (t) => {
  const runtime = createProcessRuntime({
    startupTimeoutMs: 300,
    resolveImage: () => ({ cwd: tmpdir(), command: [process.execPath, "-e", "setInterval(() => {}, 1000)"] }),
  });
  t.after(() => runtime.close());
  const result = await runtime.deploy(app);
  assert.equal(result.status, "error");
  assert.match(result.errorMessage ?? "", /did not accept connections .* within 300 ms/);
  assert.deepEqual(runtime.pids(), []);
});

test("an image the lab cannot run is an error saying what to add", async (t) => {
  const runtime = createProcessRuntime({ resolveImage: () => undefined });
  t.after(() => runtime.close());
  const result = await runtime.deploy(app);
  assert.equal(result.status, "error");
  assert.match(
    result.errorMessage ?? "",
    /no local process for image ghcr\.io\/acme\/hello-service@sha256:0000/,
  );
});

test("close() leaves no child process behind, grandchildren included", { timeout: 20_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "lab-"));
  const runtime = createProcessRuntime({
    resolveImage: () => ({
      cwd: dataDir,
      // A shell that starts the app as its own child: stopping only the shell would orphan the app.
      command: ["/bin/sh", "-c", `"${process.execPath}" "$SERVER" & echo "app pid $!"; wait`],
    }),
  });
  const { SAMPLE_APP_SERVER } = await import("../../../src/sandbox/lab/sample-app-image.ts");
  const result = await runtime.deploy({ ...app, env: { SERVER: SAMPLE_APP_SERVER } });
  assert.equal(result.status, "done", result.log);
  const shellPids = runtime.pids();
  const appPid = Number(/app pid (\d+)/.exec(runtime.logs(app.appName) ?? "")?.[1]);
  assert.equal(shellPids.length, 1);
  assert.ok(appPid > 0 && alive(appPid));
  await runtime.close();
  assert.deepEqual(runtime.pids(), []);
  // A signalled process may still be finishing its exit for a moment; an orphan would stay alive.
  const deadline = Date.now() + 2000;
  const survivors = () => [...shellPids, appPid].filter(alive);
  while (survivors().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(survivors(), [], "processes outlived close()");
});
