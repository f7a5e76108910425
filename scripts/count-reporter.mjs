// A node:test reporter that only counts, so scripts/test.ts can print one closing line for the whole run.
import { writeFileSync } from "node:fs";

export default async function countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  for await (const event of source) {
    // Only leaf tests count; a file's wrapper test and suites report too.
    if (event.type === "test:pass" || event.type === "test:fail") {
      if (event.data.details?.type === "suite") continue;
      if (event.data.skip) counts.skipped++;
      else if (event.data.todo) counts.todo++;
      else if (event.type === "test:pass") counts.passed++;
      else counts.failed++;
    }
  }
  writeFileSync(process.env.DEVOPS_TEST_COUNTS, JSON.stringify(counts));
}
