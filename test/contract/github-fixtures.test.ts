// GitHub's recorded reality against the twin: every @octokit/fixtures scenario whose requests all hit
// operations the twin implements is replayed in order, with the scenario's precondition seeded, and must
// answer each request with the recorded status and a response of the recorded shape. The REST contract
// check (fail-closed) applies to every exchange as well, through the harness.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createLabel, newIssue } from "../../src/sandbox/github/routes/issues.ts";
import type { Repo } from "../../src/sandbox/github/state.ts";
import { GithubTwin } from "../../src/sandbox/github/twin.ts";
import { addUser, createRepo, pushFiles } from "../../src/sandbox/github/world.ts";
import {
  classify,
  loadScenarios,
  replay,
  type Scenario,
  type StepResult,
  shapeProblems,
} from "../support/fixtures-replay.ts";
import { startGithubTwin } from "../support/github-twin.ts";

const ORG = "octokit-fixture-org";
const USER = "octokit-fixture-user-a";
/** The token every recording was made with (normalized by @octokit/fixtures). */
const TOKEN = "0000000000000000000000000000000000000001";

/** What each scenario needs to exist before its first request, as it existed on github.com when recorded. */
type Seed = (twin: GithubTwin) => Record<string, string> | undefined;

const repoFor = (
  twin: GithubTwin,
  name: string,
  options: { files?: Record<string, string>; defaultBranch?: string } = {},
): Repo =>
  createRepo(twin, { owner: ORG, name, private: false, collaborators: { [USER]: "admin" }, ...options });

const seeds: Record<string, Seed> = {
  "get-repository": (twin) => {
    const repo = repoFor(twin, "hello-world", {
      defaultBranch: "master",
      files: { "README.md": "# hello-world" },
    });
    repo.topics = ["fixtures", "hello", "hello-world"];
    return undefined;
  },
  "get-content": (twin) =>
    void repoFor(twin, "hello-world", { defaultBranch: "master", files: { "README.md": "# hello-world" } }),
  "create-file": (twin) => void repoFor(twin, "create-file"),
  "git-refs": (twin) => {
    // Recorded: main at sha …01; the new ref starts at sha …02, an older commit of main, then fast-forwards.
    const repo = repoFor(twin, "git-refs");
    const older = repo.refs["refs/heads/main"] as string;
    pushFiles(twin, {
      repo: `${ORG}/git-refs`,
      branch: "main",
      files: { "b.txt": "b" },
      message: "second",
      login: USER,
    });
    return { "0000000000000000000000000000000000000002": older };
  },
  labels: (twin) => {
    const repo = repoFor(twin, "labels");
    for (const [name, color, description] of GITHUB_DEFAULT_LABELS)
      createLabel(twin, repo, { name, color, description });
    return undefined;
  },
  "add-labels-to-issue": (twin) => void repoFor(twin, "add-labels-to-issue"),
  errors: (twin) => void repoFor(twin, "errors"),
  "paginate-issues": (twin) => {
    const repo = repoFor(twin, "paginate-issues");
    for (let n = 1; n <= 13; n++) newIssue(twin, repo, { title: `Test issue ${n}`, body: null, login: USER });
    return undefined;
  },
};

/**
 * Steps the twin knowingly answers differently, by scenario and request index, with the problem it must show.
 * The test fails if such a step starts matching (remove the entry) or fails in any other way.
 */
const KNOWN_GAPS: Record<string, Record<number, { reason: string; problem: RegExp }>> = {};

/** The labels GitHub gives every new repository (as the `labels` recording lists them). */
const GITHUB_DEFAULT_LABELS: [string, string, string][] = [
  ["bug", "d73a4a", "Something isn't working"],
  ["documentation", "0075ca", "Improvements or additions to documentation"],
  ["duplicate", "cfd3d7", "This issue or pull request already exists"],
  ["enhancement", "a2eeef", "New feature or request"],
  ["good first issue", "7057ff", "Good for newcomers"],
  ["help wanted", "008672", "Extra attention is needed"],
  ["invalid", "e4e669", "This doesn't seem right"],
  ["question", "d876e3", "Further information is requested"],
  ["wontfix", "ffffff", "This will not be worked on"],
];

const EXPECTED = Object.keys(seeds).sort();
const scenarios = loadScenarios();
const bare = new GithubTwin();
const classified = scenarios.map((s) => ({ scenario: s, ...classify(bare, s) }));
const table: { scenario: string; requests: number; matched: number; knownGaps: string }[] = [];

test("the scenarios that qualify are exactly the ones seeded here; the rest need operations the twin lacks", () => {
  const qualifying = classified
    .filter((c) => c.qualifies)
    .map((c) => c.scenario.name)
    .sort();
  const skipped = classified
    .filter((c) => !c.qualifies)
    .map((c) => `  ${c.scenario.name}: needs ${[...new Set(c.unimplemented)].join(", ")}`);
  console.log(
    `@octokit/fixtures scenarios not replayed (they need operations the twin does not implement):\n${skipped.join("\n")}`,
  );
  assert.deepEqual(qualifying, EXPECTED);
});

for (const { scenario, qualifies } of classified) {
  if (!qualifies) continue;
  test(`replays ${scenario.name}: every request answers with the recorded status and shape`, async (t) => {
    const seed = seeds[scenario.name];
    assert.ok(seed, `no precondition written for ${scenario.name}`);
    const { twin } = await startGithubTwin(t);
    addUser(twin, { login: ORG, type: "Organization" });
    addUser(twin, { login: USER });
    twin.world.tokens[TOKEN] = { token: TOKEN, kind: "user", login: USER, expiresAt: "2999-01-01T00:00:00Z" };
    const substitutions = seed(twin);
    const steps = await replay(twin, scenario as Scenario, { substitutions });
    const gaps = KNOWN_GAPS[scenario.name] ?? {};
    const matched = steps.filter((s) => s.problems.length === 0).length;
    table.push({
      scenario: scenario.name,
      requests: steps.length,
      matched,
      knownGaps: Object.values(gaps)
        .map((g) => g.reason)
        .join("; "),
    });
    const unexpected = steps.filter((s, i) => {
      const gap = gaps[i];
      if (!gap) return s.problems.length > 0;
      return !(s.problems.length === 1 && gap.problem.test(s.problems[0] as string));
    });
    assert.deepEqual(unexpected.map(describe), []);
  });
}

test("summary: scenario, requests, matched", () => {
  console.table(table);
  assert.equal(table.length, EXPECTED.length);
});

function describe(step: StepResult): string {
  return `${step.method} ${step.path} → ${step.status}: ${step.problems.slice(0, 40).join("; ")}`;
}

test("the shape comparison bites: missing keys, other types, array elements; a recorded null matches anything", () => {
  assert.deepEqual(
    shapeProblems({ a: 1, b: "x", c: null }, { a: 2, b: "y", c: { any: true }, extra: 1 }),
    [],
  );
  assert.deepEqual(shapeProblems({ a: 1, b: "x" }, { a: "1" }), [
    "$.a: string, recorded number",
    "$.b: missing",
  ]);
  assert.deepEqual(shapeProblems([{ id: 1 }], [{ id: 1 }, { id: "2" }]), []);
  assert.deepEqual(shapeProblems([{ id: 1 }], [{ name: "x" }]), ["$[0].id: missing"]);
  assert.deepEqual(shapeProblems(["t"], []), ["$: empty array, recorded 1 items"]);
});
