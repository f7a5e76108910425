// Downloads a failed run's job logs and diagnoses them. GitHub answers a log download with a 302 to a
// short-lived, token-less URL on its blob storage: the redirect is taken by hand and the URL fetched afresh,
// so the installation token is never sent to another origin. The body streams straight into the engine
// (a 100 MB log is never held in memory). The run's zip of all logs is only the fallback.
import { unzipSync } from "fflate";
import { type Diagnosis, diagnose, type LogSource } from "../../triage/index.ts";
import type { Fetch, RunFacts, TriageLog, TriageOctokit } from "./types.ts";
import { FAILED_CONCLUSIONS } from "./types.ts";

/** How many failed jobs of one run are read at most (each is one download). */
const MAX_JOBS = 5;
/** The zip fallback holds the archive in memory: beyond this it is not read. */
const MAX_ZIP_BYTES = 64 * 1024 * 1024;

export interface JobFacts {
  id: number;
  name: string;
  htmlUrl: string;
  conclusion: string;
}

export interface JobDiagnosis {
  job: JobFacts;
  diagnosis: Diagnosis;
  /** Where the log came from. */
  source: "job-log" | "run-logs-zip";
}

export interface RunDiagnosis {
  /** The job whose diagnosis the comment leads with: the surest named cause, else the first failed job. */
  chosen: JobDiagnosis | undefined;
  others: JobDiagnosis[];
  /** Failed jobs whose log could not be read, with why. */
  unreadable: { job: JobFacts; reason: string }[];
}

/** The 302's target for a log download, asked for without following it. */
async function logLocation(
  octokit: TriageOctokit,
  request: { route: "job"; jobId: number } | { route: "run"; runId: number },
  repo: { owner: string; repo: string },
): Promise<string> {
  // Octokit passes `request.redirect` to fetch: the 302 comes back as it is, its target unvisited.
  const response =
    request.route === "job"
      ? await octokit.rest.actions.downloadJobLogsForWorkflowRun({
          ...repo,
          job_id: request.jobId,
          request: { redirect: "manual" },
        })
      : await octokit.rest.actions.downloadWorkflowRunLogs({
          ...repo,
          run_id: request.runId,
          request: { redirect: "manual" },
        });
  const location = (response.headers as Record<string, unknown>).location;
  if ((response.status as number) !== 302 || typeof location !== "string")
    throw new Error(`the log download answered ${response.status} without a redirect`);
  return location;
}

/** A fresh request to the short-lived URL: no Authorization header, whatever its origin. */
async function openLink(fetchFn: Fetch, url: string): Promise<Response> {
  const response = await fetchFn(url, { redirect: "follow" });
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new Error(`the log link answered ${response.status}`);
  }
  return response;
}

export async function downloadJobLog(options: {
  octokit: TriageOctokit;
  owner: string;
  repo: string;
  jobId: number;
  fetch: Fetch;
}): Promise<LogSource> {
  const location = await logLocation(
    options.octokit,
    { route: "job", jobId: options.jobId },
    { owner: options.owner, repo: options.repo },
  );
  const response = await openLink(options.fetch, location);
  return response.body as unknown as AsyncIterable<Uint8Array>;
}

/** The run's logs zip, and the entry of each job by name (GitHub: `<n>_<job name>.txt` at the root). */
async function runZipEntries(options: {
  octokit: TriageOctokit;
  owner: string;
  repo: string;
  runId: number;
  fetch: Fetch;
  jobNames: string[];
}): Promise<Map<string, Uint8Array>> {
  const location = await logLocation(
    options.octokit,
    { route: "run", runId: options.runId },
    { owner: options.owner, repo: options.repo },
  );
  const response = await openLink(options.fetch, location);
  const size = Number(response.headers.get("content-length") ?? "0");
  if (size > MAX_ZIP_BYTES) {
    await response.body?.cancel();
    throw new Error(`the run's logs zip is ${size} bytes, more than the fallback reads`);
  }
  const zip = new Uint8Array(await response.arrayBuffer());
  const wanted = new Map(options.jobNames.map((n) => [n.replace(/[/\\:*?"<>|]/g, "_"), n]));
  const entries = unzipSync(zip, {
    filter: (file) =>
      !file.name.includes("/") && wanted.has(file.name.replace(/^\d+_/, "").replace(/\.txt$/, "")),
  });
  const byJob = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(entries)) {
    const job = wanted.get(name.replace(/^\d+_/, "").replace(/\.txt$/, ""));
    if (job !== undefined) byJob.set(job, data);
  }
  return byJob;
}

export async function failedJobs(options: {
  octokit: TriageOctokit;
  owner: string;
  repo: string;
  runId: number;
}): Promise<JobFacts[]> {
  const { octokit, owner, repo, runId } = options;
  const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRun, {
    owner,
    repo,
    run_id: runId,
    filter: "latest",
    per_page: 100,
  });
  return jobs
    .filter((j) => j.conclusion !== null && FAILED_CONCLUSIONS.has(j.conclusion))
    .map((j) => ({ id: j.id, name: j.name, htmlUrl: j.html_url ?? "", conclusion: j.conclusion ?? "" }));
}

/** Reads and diagnoses the run's failed jobs; the engine redacts the evidence (no secret values on this side). */
export async function diagnoseRun(options: {
  octokit: TriageOctokit;
  owner: string;
  repo: string;
  run: RunFacts;
  fetch: Fetch;
  log: TriageLog;
}): Promise<RunDiagnosis> {
  const { octokit, owner, repo, run, log } = options;
  const jobs = (await failedJobs({ octokit, owner, repo, runId: run.id })).slice(0, MAX_JOBS);
  const results: JobDiagnosis[] = [];
  const unreadable: RunDiagnosis["unreadable"] = [];
  let zip: Map<string, Uint8Array> | undefined | null;
  for (const job of jobs) {
    try {
      const source = await downloadJobLog({ octokit, owner, repo, jobId: job.id, fetch: options.fetch });
      results.push({ job, diagnosis: await diagnose(source), source: "job-log" });
      continue;
    } catch (error) {
      log.warn(
        `run ${run.id} job ${job.id}: job log unavailable (${(error as Error).message}); trying the run's zip`,
      );
    }
    if (zip === undefined) {
      try {
        zip = await runZipEntries({
          octokit,
          owner,
          repo,
          runId: run.id,
          fetch: options.fetch,
          jobNames: jobs.map((j) => j.name),
        });
      } catch (error) {
        zip = null;
        log.warn(`run ${run.id}: the run's logs zip is unavailable too (${(error as Error).message})`);
      }
    }
    if (zip === null) {
      unreadable.push({ job, reason: "neither the job log nor the run's logs zip could be downloaded" });
      continue;
    }
    const data = zip.get(job.name);
    if (data === undefined) unreadable.push({ job, reason: "no log for this job in the run's logs zip" });
    else results.push({ job, diagnosis: await diagnose(data), source: "run-logs-zip" });
  }
  const named = results.filter((r) => r.diagnosis.category !== "unknown");
  const chosen =
    named.length > 0
      ? named.reduce((a, b) => (b.diagnosis.confidence > a.diagnosis.confidence ? b : a))
      : results[0];
  return { chosen, others: results.filter((r) => r !== chosen), unreadable };
}
