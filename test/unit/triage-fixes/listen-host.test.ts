import assert from "node:assert/strict";
import { test } from "node:test";
import { findLoopbackListens, listenHostRecipe } from "../../../src/app/triage/fixes/listen-host.ts";
import { applied, diagnosisOf, refused, runRecipe, sampleApp } from "./helpers.ts";

const LOG = [
  "Server listening on http://127.0.0.1:3000",
  '2026/01/01 00:00:00 [error] 31#31: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.2, upstream: "http://172.18.0.3:3000/"',
  "502 Bad Gateway",
].join("\n");

function loopbackApp(): Record<string, string> {
  const files = sampleApp();
  files["src/server.js"] = (files["src/server.js"] as string).replace(
    'server.listen(port, "0.0.0.0", ',
    "server.listen(port, '127.0.0.1', ",
  );
  return files;
}

test("the sample app bound to 127.0.0.1: the one listen call is bound to 0.0.0.0, quotes and the rest kept", async () => {
  const diagnosis = await diagnosisOf(LOG);
  assert.equal(diagnosis.category, "port-binding");
  const files = loopbackApp();
  const fix = applied(runRecipe(listenHostRecipe, files, { diagnosis }));
  assert.deepEqual(Object.keys(fix.changes), ["src/server.js"]);
  assert.equal(
    fix.changes["src/server.js"],
    (files["src/server.js"] as string).replace("'127.0.0.1'", "'0.0.0.0'"),
  );
  assert.match(fix.summary, /`src\/server\.js:31`/);
});

test("object form (fastify) and comments: only real calls count", () => {
  const source = [
    "// app.listen(3000, 'localhost') is what we used to do",
    '/* server.listen(1, "127.0.0.1") */',
    'await app.listen({ port: 3000, host: "localhost" });',
    'const s = "listen(1, \\"127.0.0.1\\")";',
  ].join("\n");
  const calls = findLoopbackListens("src/index.ts", source);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.line, 3);
  assert.equal(source.slice(calls[0]?.start, calls[0]?.end), '"localhost"');
});

test("refuses: no such call, or more than one", async () => {
  const diagnosis = await diagnosisOf(LOG);
  assert.match(refused(runRecipe(listenHostRecipe, sampleApp(), { diagnosis })), /no `listen\(…\)` call/);
  const two = { ...loopbackApp(), "src/admin.js": "admin.listen(9000, 'localhost');\n" };
  assert.match(refused(runRecipe(listenHostRecipe, two, { diagnosis })), /2 `listen\(…\)` calls/);
  // Files under node_modules or tests are not the app's server.
  const vendored = {
    ...loopbackApp(),
    "node_modules/x/index.js": "x.listen(1, 'localhost')",
    "test/a.test.js": "s.listen(0, 'localhost')",
  };
  applied(runRecipe(listenHostRecipe, vendored, { diagnosis }));
});

test("needs loopback evidence: a port-binding failure without it is not this recipe's", async () => {
  const diagnosis = await diagnosisOf(
    "Error R10 (Boot timeout) -> Web process failed to bind to $PORT within 60 seconds of launch",
  );
  assert.equal(diagnosis.category, "port-binding");
  assert.equal(listenHostRecipe.matches(diagnosis), false);
});
