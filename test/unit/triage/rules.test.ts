import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RULES } from "../../../src/triage/rules/index.ts";
import { CATEGORIES } from "../../../src/triage/taxonomy.ts";
import { loadCases, loadTaxonomyIds, ruleFires } from "./helpers.ts";

describe("triage rules are data with their own samples", () => {
  it("have unique ids, taxonomy categories, confidences in (0, 1] and samples both ways", () => {
    const ids = new Set<string>();
    const categories = new Set(loadTaxonomyIds());
    for (const rule of RULES) {
      assert.ok(!ids.has(rule.id), `duplicate rule id ${rule.id}`);
      ids.add(rule.id);
      assert.ok(categories.has(rule.category), `${rule.id}: unknown category ${rule.category}`);
      assert.ok(rule.confidence > 0 && rule.confidence <= 1, `${rule.id}: confidence ${rule.confidence}`);
      assert.ok(rule.positive.length > 0, `${rule.id}: no positive sample`);
      assert.ok(rule.negative.length > 0, `${rule.id}: no negative sample`);
      assert.ok(rule.summary.length > 0 && rule.fix.length > 0, `${rule.id}: summary and fix are required`);
    }
  });

  it("ships the same taxonomy as the fixture", () => {
    assert.deepEqual(
      CATEGORIES.map((c) => c.id),
      loadTaxonomyIds(),
    );
  });

  it("name the case a sample came from only when that case exists and contains the sample's lines", () => {
    const logs = new Map(loadCases().map((c) => [c.id, c.log]));
    for (const rule of RULES) {
      for (const sample of rule.positive) {
        if (sample.from === undefined) continue;
        const log = logs.get(sample.from);
        assert.ok(log !== undefined, `${rule.id}: sample names unknown case ${sample.from}`);
        // Samples may trim or shorten a line, but what they keep must be the case's own text.
        const head = (sample.text.split("\n")[0] ?? "").trim().slice(0, 30);
        assert.ok(log.includes(head), `${rule.id}: sample not found in ${sample.from}: ${head}`);
      }
    }
  });

  it("each rule is backed by more than one case's wording (a sample not copied from a case, or two cases)", () => {
    for (const rule of RULES) {
      const sources = new Set(rule.positive.map((s) => s.from ?? "independent"));
      assert.ok(
        sources.has("independent") || sources.size >= 2,
        `${rule.id}: every positive sample comes from ${[...sources].join(", ")}; add an independent one`,
      );
    }
  });

  for (const rule of RULES) {
    it(`${rule.id}: fires on its positive samples and not on its negative ones`, async () => {
      for (const sample of rule.positive) {
        assert.ok(await ruleFires(rule, sample.text), `${rule.id} should fire on: ${sample.text}`);
      }
      for (const sample of rule.negative) {
        assert.ok(!(await ruleFires(rule, sample.text)), `${rule.id} should not fire on: ${sample.text}`);
      }
    });
  }
});
