import assert from "node:assert/strict";
import { test } from "node:test";
import { CHECKLIST_MARKER } from "../../../src/app/names.ts";
import { type ChecklistState, parseChecklistHash, renderChecklist } from "../../../src/plan/checklist.ts";
import { pin } from "../../../src/plan/hash.ts";
import { mermaidLabel, planFlowchart } from "../../../src/plan/mermaid.ts";
import type { PinnedPlan, Step } from "../../../src/plan/types.ts";
import { DIGEST, HEAD_SHA, samplePinned } from "./fixtures.ts";

const planned: ChecklistState = { status: "planned", requestedBy: "wes", approvals: [] };

/** The body of the ```mermaid block. */
function mermaidOf(body: string): string {
  const match = /^(`{3,})mermaid\n([\s\S]*?)\n\1$/m.exec(body);
  assert.ok(match, "a mermaid block");
  return match[2] as string;
}

test("starts with the marker; status, steps with provider/action/target/risk, hash, head and how to approve", () => {
  const pinned = samplePinned();
  const body = renderChecklist({ pinned, state: planned });
  assert.ok(body.startsWith(`${CHECKLIST_MARKER}\n`));
  assert.match(body, /\*\*Status:\*\* 📝 planned/);
  assert.match(body, /requested by @\u200Dwes/);
  assert.match(body, /\| ⬜ \| 1 \| dokploy \| project\.ensure \| `hello-service` \| create \|/);
  assert.match(body, /\| ⬜ \| 7 \| cloudflare \| dns-record\.ensure \| `app\.example\.com A` \| create \|/);
  assert.match(body, /\| verify \| http \| `https:\/\/app\.example\.com\/healthz` \| read \|/);
  assert.equal(body.match(/^\| ⬜ /gm)?.length, pinned.plan.steps.length);
  assert.ok(body.includes(`\`${pinned.hash}\``), "the full hash");
  assert.ok(body.includes(`\`${HEAD_SHA}\``), "the head SHA");
  assert.ok(body.includes(`\`/approve ${pinned.hash.slice(0, 12)}\``));
  assert.match(body, /not the requester, not the pull request's author and did not push/);
  assert.doesNotMatch(body, /STALE/);
  assert.equal(parseChecklistHash(body), pinned.hash);
});

test("mermaid: host → Cloudflare record → server → Dokploy app → image@short digest", () => {
  const chart = mermaidOf(renderChecklist({ pinned: samplePinned(), state: planned }));
  assert.equal(
    chart,
    [
      "flowchart LR",
      '  host["https:/' + '/app.example.com"]',
      '  record["Cloudflare A app.example.com proxied"]',
      '  server["server 203.0.113.10"]',
      '  app["Dokploy hello-service / hello-service"]',
      `  image["ghcr.io/acme/hello-service#64;sha256:${DIGEST.slice(7, 19)}"]`,
      '  host -->|"DNS"| record',
      '  record -->|"via Cloudflare"| server',
      '  server -->|"port 3000"| app',
      '  app -->|"runs"| image',
    ].join("\n"),
  );
});

test("step progress, approvals with run links, deletes and adoptions flagged", () => {
  const base = samplePinned();
  const steps: Step[] = base.plan.steps.map((s, i) =>
    i === 0 ? { ...s, risk: "delete" } : i === 1 ? { ...s, adopt: true } : s,
  );
  const pinned = pin({ ...base.plan, steps });
  const body = renderChecklist({
    pinned,
    state: {
      status: "applying",
      requestedBy: "wes",
      approvals: [
        { login: "maya", at: "2026-01-02T03:04:05Z", runUrl: "https://github.com/acme/x/actions/runs/9" },
      ],
      steps: {
        [steps[0]?.id as string]: "done",
        [steps[1]?.id as string]: "skipped",
        [steps[2]?.id as string]: "failed",
      },
    },
  });
  assert.match(
    body,
    /- \[x\] approved by @\u200Dmaya at 2026-01-02T03:04:05Z · \[apply run\]\(https:\/\/github\.com\/acme\/x\/actions\/runs\/9\)/,
  );
  assert.match(body, /\| ✅ \| 1 \| .* \| \*\*delete\*\* ⚠️ \|/);
  assert.match(body, /\| ⏭️ \| 2 \| .*\*\*adopts\*\* an existing resource/);
  assert.match(body, /\| ❌ \| 3 \|/);
  assert.match(body, /2\/12 steps done/);
  assert.doesNotMatch(body, /\/approve [0-9a-f]/, "no approval help once applying");
  // A non-http run link is dropped rather than rendered.
  const evil = renderChecklist({
    pinned,
    state: { ...planned, approvals: [{ login: "maya", at: "now", runUrl: "javascript:alert(1)" }] },
  });
  assert.doesNotMatch(evil, /javascript/);
});

test("stale: a visible banner with the reason and approvals void; no approve instructions", () => {
  const body = renderChecklist({
    pinned: samplePinned(),
    state: {
      status: "stale",
      requestedBy: "wes",
      staleReason: "new commit 9f8e7d6 pushed by @wes <b>x</b>",
      approvals: [{ login: "maya", at: "2026-01-02T03:04:05Z" }],
    },
  });
  assert.match(
    body,
    /> \[!WARNING\]\n> \*\*STALE\*\*: new commit 9f8e7d6 pushed by @\u200Dwes &lt;b&gt;x&lt;\/b&gt;\./,
  );
  assert.match(body, /approvals of this plan are void/);
  assert.match(body, /approved by @\u200Dmaya .*\(void\)/);
  assert.doesNotMatch(body, /To approve/);
});

/** The text outside fenced blocks and code spans (a code span: a backtick run up to the next run of the same length). */
function outsideCode(body: string): string {
  const noFences = body.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?\n\1$/gm, "");
  return noFences.replace(/(?<!`)(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, "");
}

/** A plan whose targets and labels were written by an attacker (config is PR content). */
function hostilePinned(): PinnedPlan {
  const base = samplePinned();
  const hostile = [
    "x | y\n| injected | row |",
    "``` \n# Heading <img src=x onerror=alert(1)> @org/team",
    "[click](javascript:alert(1))",
    '"] --> evil["pwned',
    "%%{init: {'theme':'dark'}}%%\nclick app call alert()",
  ];
  const steps = base.plan.steps.map((s, i) => {
    const target = hostile[i % hostile.length] as string;
    const desired = s.desired as Record<string, unknown>;
    if (s.action === "application.ensure")
      return { ...s, target, desired: { ...desired, name: hostile[3], project: hostile[4] } };
    if (s.action === "dns-record.ensure")
      return { ...s, target, desired: { ...desired, name: hostile[1], type: "`A`", content: hostile[3] } };
    if (s.action === "domain.ensure") return { ...s, target, desired: { ...desired, host: 'a`b"c]d[e' } };
    return { ...s, target };
  });
  return pin({ ...base.plan, image: { ...base.plan.image, repository: 'ghcr.io/x/y"]-->z[' }, steps });
}

test("hostile target names cannot break the table, ping, inject HTML, or form links", () => {
  const pinned = hostilePinned();
  const body = renderChecklist({ pinned, state: { ...planned, requestedBy: "wes" } });
  const table = body.split("\n").filter((l) => l.startsWith("| "));
  assert.equal(
    table.length,
    pinned.plan.steps.length + 1,
    "one line per step and the header: no injected rows",
  );
  for (const row of table) {
    // Six cells: unescaped pipes only at the cell boundaries.
    assert.equal(row.split(/(?<!\\)\|/).length - 2, 6, row);
  }
  // Inside code spans and fences GitHub renders no HTML, links or mentions; outside them none may remain.
  const prose = outsideCode(body);
  assert.ok(body.includes("<img") && !prose.includes("<img"), "HTML only as code");
  assert.ok(!prose.includes("[click]") && !prose.includes("@org"), "links and mentions only as code");
  assert.doesNotMatch(body, /^#+ Heading/m);
  // Markers cannot be forged from content: only our own two lines start with `<!--`.
  assert.equal(body.match(/<!--/g)?.length, 2);
  assert.equal(parseChecklistHash(body), pinned.hash);
});

test("mermaid injection: labels stay inside their quotes; no new nodes, edges, directives or click handlers", () => {
  const chart = mermaidOf(renderChecklist({ pinned: hostilePinned(), state: planned }));
  const lines = chart.split("\n");
  assert.equal(lines[0], "flowchart LR");
  for (const line of lines.slice(1)) {
    // Every line is one of ours: a node `id["label"]` or an edge `a -->|"label"| b`, labels free of quotes,
    // brackets, backticks, `%`, `<`, `>` and newlines.
    assert.match(line, /^ {2}(\w+\["[^"[\]`%<>|]*"\]|\w+ -->\|"[^"[\]`%<>|]*"\| \w+)$/, line);
  }
  assert.equal(lines.filter((l) => l.includes("-->")).length, 4);
  assert.equal(mermaidLabel('a"b]c-->d`e%%f\ng'), '"a#34;b#93;c--#62;d#96;e#37;#37;f g"');
  assert.equal(mermaidLabel("app.example.com"), '"app.example.com"');
});

test("a plan without DNS draws host → Dokploy server → app; without a domain just app → image", () => {
  const base = samplePinned().plan;
  const noDns = { ...base, steps: base.steps.filter((s) => s.provider !== "cloudflare") };
  assert.match(
    planFlowchart(noDns),
    /host -->\|"DNS not managed here"\| server\n {2}server -->\|"port 3000"\| app/,
  );
  const bare = {
    ...base,
    steps: base.steps.filter((s) => s.provider !== "cloudflare" && s.action !== "domain.ensure"),
  };
  const chart = planFlowchart(bare);
  assert.doesNotMatch(chart, /host|server/);
  assert.match(chart, /app -->\|"runs"\| image/);
});

test("parseChecklistHash: only a body that starts with the marker and our hash line; otherwise undefined", () => {
  const hash = "a".repeat(64);
  assert.equal(parseChecklistHash(`${CHECKLIST_MARKER}\n<!-- devops-agent:plan-hash ${hash} -->\n`), hash);
  assert.equal(
    parseChecklistHash(`hi\n${CHECKLIST_MARKER}\n<!-- devops-agent:plan-hash ${hash} -->`),
    undefined,
  );
  assert.equal(
    parseChecklistHash(`${CHECKLIST_MARKER}\n<!-- devops-agent:plan-hash ${hash.slice(1)} -->`),
    undefined,
  );
  assert.equal(parseChecklistHash("plain comment"), undefined);
});
