import assert from "node:assert/strict";
import { test } from "node:test";
import { healthcheckCurlRecipe } from "../../../src/app/triage/fixes/healthcheck-curl.ts";
import { applied, diagnosisOf, refused, runRecipe, sampleApp } from "./helpers.ts";

const LOG = [
  "Container hello-service-app-1  Waiting",
  '        "FailingStreak": 3,',
  '        "Output": "OCI runtime exec failed: exec failed: unable to start container process: exec: \\"curl\\": executable file not found in $PATH: unknown"',
  "dependency failed to start: container hello-service-app-1 is unhealthy",
].join("\n");

function withHealthcheck(from: string): Record<string, string> {
  const files = sampleApp();
  files.Dockerfile = (files.Dockerfile as string)
    .replace("FROM node:24-bookworm-slim", from)
    .replace(
      "EXPOSE 3000\n",
      "EXPOSE 3000\nHEALTHCHECK --interval=10s --timeout=3s \\\n  CMD curl -fsS http://localhost:3000/healthz || exit 1\n",
    );
  return files;
}

test("node image: the curl HEALTHCHECK becomes a node fetch probe, same options and URL, nothing else changed", async () => {
  const diagnosis = await diagnosisOf(LOG);
  assert.equal(diagnosis.category, "healthcheck");
  const files = withHealthcheck("FROM node:24-bookworm-slim");
  const fix = applied(runRecipe(healthcheckCurlRecipe, files, { diagnosis }));
  const after = fix.changes.Dockerfile as string;
  assert.equal(
    after,
    (files.Dockerfile as string).replace(
      "HEALTHCHECK --interval=10s --timeout=3s \\\n  CMD curl -fsS http://localhost:3000/healthz || exit 1",
      `HEALTHCHECK --interval=10s --timeout=3s CMD ["node", "-e", "fetch('http://localhost:3000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]`,
    ),
  );
});

test("alpine/busybox image: wget --spider on the same URL", async () => {
  const diagnosis = await diagnosisOf(LOG);
  const fix = applied(runRecipe(healthcheckCurlRecipe, withHealthcheck("FROM alpine:3.20"), { diagnosis }));
  assert.match(
    fix.changes.Dockerfile as string,
    /^HEALTHCHECK --interval=10s --timeout=3s CMD wget -q --spider http:\/\/localhost:3000\/healthz \|\| exit 1$/m,
  );
});

test("refuses: unknown base image, no curl HEALTHCHECK, old node", async () => {
  const diagnosis = await diagnosisOf(LOG);
  assert.match(
    refused(runRecipe(healthcheckCurlRecipe, withHealthcheck("FROM debian:12-slim"), { diagnosis })),
    /install curl/,
  );
  assert.match(
    refused(runRecipe(healthcheckCurlRecipe, sampleApp(), { diagnosis })),
    /no Dockerfile has a HEALTHCHECK calling curl/,
  );
  assert.match(
    refused(runRecipe(healthcheckCurlRecipe, withHealthcheck("FROM node:16-alpine"), { diagnosis })),
    /no built-in fetch/,
  );
});

test("only for a missing curl: other health check failures do not match", async () => {
  const diagnosis = await diagnosisOf("Liveness probe failed: HTTP probe failed with statuscode: 500");
  assert.equal(healthcheckCurlRecipe.matches(diagnosis), false);
});
