import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { anchorsOf, requirementsOf, verifiersOf } from "../../../src/triage/prefilter.ts";
import { RULES } from "../../../src/triage/rules/index.ts";

describe("prefilter anchors", () => {
  it("finds the literals every match must contain", () => {
    assert.deepEqual(requirementsOf("GLIBC_\\d+(?:\\.\\d+)+'? not found"), [
      [
        { kind: "literal", text: "GLIBC_" },
        { kind: "group", alternatives: [[{ kind: "literal", text: "." }]] },
        { kind: "literal", text: " not found" },
      ],
    ]);
    assert.deepEqual(verifiersOf(/Load key "?x|exec format error/i), [
      ["load key ", "x"],
      ["exec format error"],
    ]);
    // Optional parts and lookarounds are never required.
    assert.deepEqual(verifiersOf(/abcd(?:efgh)?(?!ijkl)mnop/), [["abcd", "mnop"]]);
  });

  it("picks one quad per alternative, preferring rare ones over common words", () => {
    assert.deepEqual(anchorsOf(/EADDRINUSE|address already in use/), ["DDRI", "eady"]);
    assert.equal(anchorsOf(/\d+/), undefined);
    const [quad] = anchorsOf(/No package '[\w.+-]+' found/) ?? [];
    assert.ok(quad !== undefined && !["pack", "acka", "ckag", "kage", " pac", "foun"].includes(quad), quad);
  });

  it("every rule pattern and condition has anchors", () => {
    for (const rule of RULES) {
      for (const p of [
        ...rule.patterns,
        ...(rule.requires ?? []).map((c) => c.pattern),
        ...(rule.excludes ?? []).map((c) => c.pattern),
      ]) {
        assert.ok(anchorsOf(p) !== undefined, `${rule.id}: ${p}`);
      }
    }
  });
});
