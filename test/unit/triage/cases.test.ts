import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { leaveOneOut, scoreCases } from "../../../src/triage/evaluate.ts";
import { loadCases } from "./helpers.ts";

describe("triage on the labelled cases (test/fixtures/triage/cases.jsonl)", () => {
  const cases = loadCases();

  it("names the right root cause for at least 90% of cases and is right at least 95% of the times it answers", async (t) => {
    const score = await scoreCases(cases);
    const misses = score.results.filter((r) => r.got !== r.expected);
    t.diagnostic(
      `top-1 accuracy ${score.correct}/${score.total}, precision ${score.answeredCorrect}/${score.answered}`,
    );
    t.diagnostic(`misses: ${misses.map((m) => `${m.id} → ${m.got}`).join(", ") || "none"}`);
    assert.ok(score.accuracy >= 0.9, `accuracy ${score.accuracy.toFixed(3)}`);
    assert.ok(score.precision >= 0.95, `precision ${score.precision.toFixed(3)}`);
  });

  it("prints the leave-one-out figures (see rulesWithoutCase for what they mean)", async (t) => {
    for (const mode of ["strict", "lenient"] as const) {
      const loo = await leaveOneOut(cases, { mode });
      t.diagnostic(
        `leave-one-out ${mode}: accuracy ${(loo.accuracy * 100).toFixed(1)}%, precision ${(loo.precision * 100).toFixed(1)}% (${loo.answeredCorrect}/${loo.answered})`,
      );
      // Removing the rules a case inspired may lose the case, but must not turn it into a wrong answer.
      assert.ok(loo.precision >= 0.95, `${mode} leave-one-out precision ${loo.precision.toFixed(3)}`);
    }
  });
});
