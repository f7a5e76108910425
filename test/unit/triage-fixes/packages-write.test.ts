import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import { packagesWriteRecipe } from "../../../src/app/triage/fixes/packages-write.ts";
import { applied, diagnosisOf, refused, runRecipe } from "./helpers.ts";

const LOG = [
  "##[group]Run docker/build-push-action@v6",
  "##[endgroup]",
  "#12 pushing layers",
  "#12 ERROR: failed to push ghcr.io/acme/hello-service:sha-1234: denied: installation not allowed to Write organization package",
  "##[error]buildx failed with: ERROR: failed to push ghcr.io/acme/hello-service:sha-1234",
].join("\n");

const BUILD = `name: Build
on: [push]
# Keep the token narrow.
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: npm test
  image:
    name: Build image
    runs-on: ubuntu-latest
    steps:
      - run: docker build . # the push happens here
`;

test("the job inherits the top-level block: it gets its own, copied, plus packages: write; comments kept; other jobs untouched", async () => {
  const diagnosis = await diagnosisOf(LOG);
  assert.equal(diagnosis.category, "ci-permissions");
  const path = ".github/workflows/build.yml";
  const fix = applied(
    runRecipe(
      packagesWriteRecipe,
      { [path]: BUILD, "README.md": "x" },
      { diagnosis, workflowPath: path, jobName: "Build image" },
    ),
  );
  const yaml = fix.changes[path] as string;
  assert.match(yaml, /# Keep the token narrow\./);
  assert.match(yaml, /# the push happens here/);
  const parsed = parse(yaml);
  assert.deepEqual(parsed.permissions, { contents: "read" });
  assert.deepEqual(parsed.jobs.image.permissions, { contents: "read", packages: "write" });
  assert.equal(parsed.jobs.test.permissions, undefined);
});

test("a job with its own block is extended; a workflow without any gets contents: read beside packages: write", async () => {
  const diagnosis = await diagnosisOf(LOG);
  const path = ".github/workflows/ci.yml";
  const own = BUILD.replace(
    "    name: Build image\n",
    "    name: Build image\n    permissions:\n      contents: read\n      id-token: write\n",
  );
  const a = applied(
    runRecipe(
      packagesWriteRecipe,
      { [path]: own },
      { diagnosis, workflowPath: path, jobName: "Build image" },
    ),
  );
  assert.deepEqual(parse(a.changes[path] as string).jobs.image.permissions, {
    contents: "read",
    "id-token": "write",
    packages: "write",
  });

  const none = BUILD.replace("permissions:\n  contents: read\n", "");
  const b = applied(
    runRecipe(
      packagesWriteRecipe,
      { [path]: none },
      { diagnosis, workflowPath: path, jobName: "Build image" },
    ),
  );
  const parsed = parse(b.changes[path] as string);
  assert.equal(parsed.permissions, undefined);
  assert.deepEqual(parsed.jobs.image.permissions, { contents: "read", packages: "write" });
});

test("refuses: already granted, no workflow path from the run, the file missing", async () => {
  const diagnosis = await diagnosisOf(LOG);
  const path = ".github/workflows/build.yml";
  const granted = BUILD.replace(
    "permissions:\n  contents: read\n",
    "permissions:\n  contents: read\n  packages: write\n",
  );
  assert.match(
    refused(
      runRecipe(
        packagesWriteRecipe,
        { [path]: granted },
        { diagnosis, workflowPath: path, jobName: "Build image" },
      ),
    ),
    /already grants `packages: write`/,
  );
  assert.match(
    refused(runRecipe(packagesWriteRecipe, { [path]: BUILD }, { diagnosis })),
    /names no workflow file/,
  );
  assert.match(
    refused(runRecipe(packagesWriteRecipe, {}, { diagnosis, workflowPath: path, jobName: "Build image" })),
    /does not exist/,
  );
  // A path the log might mention is irrelevant: only the run's workflow path is ever read.
  assert.deepEqual(
    packagesWriteRecipe.wants([{ path: "../../etc/passwd" }], { workflowPath: "../../etc/passwd" }),
    [],
  );
});

test("other ci-permissions failures (no GHCR push) are not this recipe's", async () => {
  const diagnosis = await diagnosisOf(
    "Run bcoe/conventional-release-labels@v1\nError: Resource not accessible by integration",
  );
  assert.equal(diagnosis.category, "ci-permissions");
  assert.equal(packagesWriteRecipe.matches(diagnosis), false);
});
