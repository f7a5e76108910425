// Recipe (c): a workflow's GITHUB_TOKEN was denied a GHCR push. Grant `packages: write` to the failing job in
// the workflow file the run came from (the run names it; the log is never trusted for a path). The YAML is
// edited through the `yaml` Document API, so comments and layout survive.
//
// Declaring `permissions` anywhere sets every scope not listed to none, so the recipe never adds a bare
// `packages: write`: a job without a block of its own inherits the top-level one (copied), and a workflow with
// none gets `contents: read` beside it (what checkout needs).
import { isMap, isScalar, parseDocument, type YAMLMap } from "yaml";
import { inlineCode } from "../../markdown.ts";
import { type FixOutcome, type FixRecipe, refuse } from "./types.ts";

const GHCR_DENIED = /ghcr\.io|installation not allowed to \w+ \w+ package|write_package/i;
const WORKFLOW = /^\.github\/workflows\/[^/]+\.ya?ml$/;

function findJob(jobs: YAMLMap, jobName: string | undefined): { key: string; node: YAMLMap } | undefined {
  const candidates: { key: string; node: YAMLMap }[] = [];
  for (const pair of jobs.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (isMap(pair.value)) candidates.push({ key, node: pair.value });
  }
  if (jobName === undefined) return candidates.length === 1 ? candidates[0] : undefined;
  return candidates.find(({ key, node }) => {
    const name = node.get("name");
    const display = typeof name === "string" ? name : key;
    // A matrix job is reported as "<name> (<values>)".
    return display === jobName || key === jobName || jobName.startsWith(`${display} (`);
  });
}

export const packagesWriteRecipe: FixRecipe = {
  id: "workflow-packages-write",
  matches: (diagnosis) =>
    diagnosis.category === "ci-permissions" && diagnosis.evidence.some((e) => GHCR_DENIED.test(e.text)),
  wants: (_tree, { workflowPath }) => (workflowPath && WORKFLOW.test(workflowPath) ? [workflowPath] : []),
  apply({ files, workflowPath, jobName }): FixOutcome {
    if (!workflowPath || !WORKFLOW.test(workflowPath))
      return refuse("the failed run names no workflow file under `.github/workflows/`");
    const text = files[workflowPath];
    if (text === undefined) return refuse(`${inlineCode(workflowPath)} does not exist at this commit`);
    const doc = parseDocument(text);
    if (doc.errors.length > 0)
      return refuse(`${inlineCode(workflowPath)} does not parse: ${doc.errors[0]?.message}`);
    const jobs = doc.get("jobs");
    if (!isMap(jobs)) return refuse(`${inlineCode(workflowPath)} has no \`jobs\` map`);
    const job = findJob(jobs, jobName);
    const top = doc.get("permissions");
    const jobPermissions = job?.node.get("permissions");
    const current = jobPermissions ?? top;
    if (current === "write-all" || (isMap(current) && current.get("packages") === "write"))
      return refuse(
        `${inlineCode(workflowPath)} already grants \`packages: write\`${job ? ` to job ${inlineCode(job.key)}` : ""}: the package itself must give this repository write access (package settings → Manage Actions access)`,
      );

    let where: string;
    if (job && isMap(jobPermissions)) {
      jobPermissions.set("packages", "write");
      where = `job ${inlineCode(job.key)}'s \`permissions\``;
    } else if (job) {
      // The job's own block replaces the top-level one for this job only; start from what it had.
      const base: Record<string, string> = isMap(top)
        ? (top.toJSON() as Record<string, string>)
        : top === "read-all"
          ? { contents: "read" }
          : { contents: "read" };
      job.node.set("permissions", doc.createNode({ ...base, packages: "write" }));
      where = `a \`permissions\` block on job ${inlineCode(job.key)}`;
    } else if (isMap(top)) {
      top.set("packages", "write");
      where = "the workflow's top-level `permissions`";
    } else {
      return refuse(
        `the failing job could not be found in ${inlineCode(workflowPath)} and the workflow has no top-level \`permissions\` to extend`,
      );
    }
    return {
      applies: true,
      changes: { [workflowPath]: doc.toString() },
      title: "Let the workflow push its image to GHCR (packages: write)",
      summary: `add \`packages: write\` to ${where} in ${inlineCode(workflowPath)}`,
      body: [
        `The run's \`GITHUB_TOKEN\` was refused when pushing to GitHub Container Registry: the job lacks \`packages: write\`.`,
        "",
        `This adds \`packages: write\` to ${where} in ${inlineCode(workflowPath)} (the workflow the failed run came from). Declaring \`permissions\` sets every scope not listed to none, so the block keeps what the job had before.`,
        "",
        "If the package already exists and was created elsewhere, also give this repository write access in the package's settings (Manage Actions access).",
      ].join("\n"),
    };
  },
};
