import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import {
  lockfilePackages,
  pnpmOnlyBuiltRecipe,
  pnpmVersion,
} from "../../../src/app/triage/fixes/pnpm-only-built.ts";
import { applied, diagnosisOf, refused, runRecipe, SEED_LOG, sampleApp } from "./helpers.ts";

test("the seed failure on the sample app: better-sqlite3 goes to pnpm.onlyBuiltDependencies in package.json, indentation kept", async () => {
  const files = sampleApp();
  const diagnosis = await diagnosisOf(SEED_LOG);
  assert.equal(diagnosis.category, "native-build-skipped");
  const fix = applied(runRecipe(pnpmOnlyBuiltRecipe, files, { diagnosis }));
  assert.deepEqual(Object.keys(fix.changes), ["package.json"]);
  const after = fix.changes["package.json"] as string;
  assert.deepEqual(JSON.parse(after).pnpm, { onlyBuiltDependencies: ["better-sqlite3"] });
  // Everything else is byte-for-byte what it was (2-space indentation, trailing newline, key order).
  const before = files["package.json"] as string;
  assert.equal(
    after.replace(
      /,\n {2}"pnpm": \{\n {4}"onlyBuiltDependencies": \[\n {6}"better-sqlite3"\n {4}\]\n {2}\}/,
      "",
    ),
    before,
  );
  assert.match(fix.body, /grants `better-sqlite3@12\.11\.1`'s install script the right to run/);
  assert.match(fix.body, /pnpm 10\.34 \(packageManager pnpm@10\.34\.9\)/);
});

test("a project whose pnpm reads pnpm-workspace.yaml (≥ 10.5) and has one gets the setting there, comments kept", async () => {
  const files = {
    ...sampleApp(),
    "pnpm-workspace.yaml": "# workspace settings\npackages:\n  - .\n",
    "package.json": '{\n\t"name": "x",\n\t"packageManager": "pnpm@10.12.1"\n}\n',
  };
  const fix = applied(runRecipe(pnpmOnlyBuiltRecipe, files, { diagnosis: await diagnosisOf(SEED_LOG) }));
  assert.deepEqual(Object.keys(fix.changes), ["pnpm-workspace.yaml"]);
  const yaml = fix.changes["pnpm-workspace.yaml"] as string;
  assert.match(yaml, /^# workspace settings\n/);
  assert.deepEqual(parse(yaml).onlyBuiltDependencies, ["better-sqlite3"]);
  // The sample Dockerfile copies only package.json and the lockfile: the PR says so.
  assert.match(fix.body, /copying `pnpm-workspace\.yaml`/);
});

test("an existing list is extended where it is; pnpm 11 writes allowBuilds; pnpm 10.4 stays in package.json", async () => {
  const diagnosis = await diagnosisOf(SEED_LOG);
  const listed = applied(
    runRecipe(
      pnpmOnlyBuiltRecipe,
      { ...sampleApp(), "pnpm-workspace.yaml": "onlyBuiltDependencies:\n  - esbuild # bundler\n" },
      { diagnosis },
    ),
  );
  const yaml = listed.changes["pnpm-workspace.yaml"] as string;
  assert.match(yaml, /# bundler/);
  assert.deepEqual(parse(yaml).onlyBuiltDependencies, ["esbuild", "better-sqlite3"]);

  const v11 = sampleApp();
  v11["package.json"] = (v11["package.json"] as string).replace("pnpm@10.34.9", "pnpm@11.1.2");
  const eleven = applied(runRecipe(pnpmOnlyBuiltRecipe, v11, { diagnosis }));
  assert.deepEqual(parse(eleven.changes["pnpm-workspace.yaml"] as string), {
    allowBuilds: { "better-sqlite3": true },
  });

  const v104: Record<string, string> = { ...sampleApp(), "pnpm-workspace.yaml": "packages:\n  - .\n" };
  v104["package.json"] = (v104["package.json"] as string).replace("pnpm@10.34.9", "pnpm@10.4.0");
  const old = applied(runRecipe(pnpmOnlyBuiltRecipe, v104, { diagnosis }));
  assert.deepEqual(Object.keys(old.changes), ["package.json"]);
});

test("a log line naming a package the lockfile does not hold is refused, even beside a real one", async () => {
  const injected = SEED_LOG.replace("better-sqlite3@12.11.1.", "evil-pkg@1.0.0, better-sqlite3@12.11.1.");
  const reason = refused(
    runRecipe(pnpmOnlyBuiltRecipe, sampleApp(), { diagnosis: await diagnosisOf(injected) }),
  );
  assert.match(reason, /`evil-pkg@1\.0\.0`, which pnpm-lock\.yaml does not hold/);

  const alone = SEED_LOG.replace("better-sqlite3@12.11.1.", "evil-pkg");
  assert.match(
    refused(runRecipe(pnpmOnlyBuiltRecipe, sampleApp(), { diagnosis: await diagnosisOf(alone) })),
    /`evil-pkg`, which pnpm-lock\.yaml does not hold/,
  );
  // A locked name at a version the lockfile does not hold is not the locked package either.
  const otherVersion = SEED_LOG.replace("better-sqlite3@12.11.1.", "better-sqlite3@9.9.9.");
  assert.match(
    refused(runRecipe(pnpmOnlyBuiltRecipe, sampleApp(), { diagnosis: await diagnosisOf(otherVersion) })),
    /does not hold/,
  );
});

test("free log text is not pnpm's line: a package named only in other text is never taken", async () => {
  const log = SEED_LOG.replace(
    "Ignored build scripts: better-sqlite3@12.11.1.",
    "echo someone said Ignored build scripts: better-sqlite3@12.11.1",
  );
  const diagnosis = await diagnosisOf(log);
  const outcome = runRecipe(pnpmOnlyBuiltRecipe, sampleApp(), { diagnosis });
  assert.match(refused(outcome), /no pnpm `Ignored build scripts:` line/);
});

test("already allowed: refused with the likely reason (the file is not copied before install)", async () => {
  const files = sampleApp();
  files["package.json"] = JSON.stringify(
    { ...JSON.parse(files["package.json"] as string), pnpm: { onlyBuiltDependencies: ["better-sqlite3"] } },
    null,
    2,
  );
  assert.match(
    refused(runRecipe(pnpmOnlyBuiltRecipe, files, { diagnosis: await diagnosisOf(SEED_LOG) })),
    /already allowed/,
  );
});

test("a pnpm 11 error line with several packages: the one in the bindings path is chosen, else all locked ones", async () => {
  const lock = [
    "lockfileVersion: '9.0'",
    "packages:",
    "  '@parcel/watcher@2.5.6':",
    "    resolution: {integrity: sha512-x}",
    "  better-sqlite3@12.11.1:",
    "    resolution: {integrity: sha512-y}",
    "",
  ].join("\n");
  const files = { "package.json": '{"name":"x"}', "pnpm-lock.yaml": lock };
  const line =
    "ERR_PNPM_IGNORED_BUILDS  Ignored build scripts: @parcel/watcher@2.5.6, better-sqlite3@12.11.1.";
  // The addon's path on an evidence line narrows the grant to that package.
  const narrowed = await diagnosisOf(
    `${line}\nError: Could not locate the bindings file. Tried: /app/node_modules/better-sqlite3/build/better_sqlite3.node`,
  );
  const one = applied(runRecipe(pnpmOnlyBuiltRecipe, files, { diagnosis: narrowed }));
  assert.deepEqual(JSON.parse(one.changes["package.json"] as string).pnpm.onlyBuiltDependencies, [
    "better-sqlite3",
  ]);
  // Without it, every package pnpm listed (all of them locked) is granted, and the PR names each.
  const all = applied(runRecipe(pnpmOnlyBuiltRecipe, files, { diagnosis: await diagnosisOf(line) }));
  assert.deepEqual(JSON.parse(all.changes["package.json"] as string).pnpm.onlyBuiltDependencies, [
    "@parcel/watcher",
    "better-sqlite3",
  ]);
  assert.match(
    all.body,
    /the install scripts of `@parcel\/watcher@2\.5\.6`, `better-sqlite3@12\.11\.1` the right to run/,
  );
});

test("lockfile formats and version detection", () => {
  assert.deepEqual(
    [
      ...lockfilePackages(
        "lockfileVersion: '6.0'\npackages:\n  /sharp@0.33.1(x@1):\n    a: 1\n  /@s/p@1.0.0:\n    a: 1\n",
      ).keys(),
    ],
    ["sharp", "@s/p"],
  );
  assert.deepEqual(
    [
      ...(lockfilePackages("lockfileVersion: 5.4\npackages:\n  /esbuild/0.17.0:\n    a: 1\n").get(
        "esbuild",
      ) ?? []),
    ],
    ["0.17.0"],
  );
  assert.deepEqual(pnpmVersion({}, "lockfileVersion: '9.0'\n"), {
    major: 9,
    minor: 0,
    source: "lockfileVersion 9",
  });
  assert.equal(pnpmVersion({ packageManager: "pnpm@10.5.2+sha512.abc" }, "")?.minor, 5);
});

test("not this recipe's kind: other categories do not match", async () => {
  const diagnosis = await diagnosisOf("Error: listen EADDRINUSE: address already in use :::3000");
  assert.equal(pnpmOnlyBuiltRecipe.matches(diagnosis), false);
});
