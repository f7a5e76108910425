// `/devops triage <run-url>`: the run page (github.com or the twin's `/_web/`), a job page under it, or the
// REST URL of the run. Only the run id is taken, and only when the URL names this very repository.

const RUN_PATH = /^\/(?:_web\/|repos\/)?([^/]+)\/([^/]+)\/actions\/runs\/(\d+)(?:\/|$)/;

export type RunUrl = { runId: number } | { problem: string };

export function parseRunUrl(text: string, repository: { owner: string; repo: string }): RunUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: "that is not a URL; give the run's page URL (…/actions/runs/<id>)" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { problem: "the run URL must be http(s)" };
  const match = RUN_PATH.exec(url.pathname);
  if (!match) return { problem: "the URL names no workflow run (…/<owner>/<repo>/actions/runs/<id>)" };
  const [, owner = "", repo = "", id = ""] = match;
  const same = (a: string, b: string) => decodeURIComponent(a).toLowerCase() === b.toLowerCase();
  if (!same(owner, repository.owner) || !same(repo, repository.repo))
    return { problem: `the run belongs to another repository, not ${repository.owner}/${repository.repo}` };
  const runId = Number(id);
  if (!Number.isSafeInteger(runId) || runId <= 0)
    return { problem: "the run id is not a number GitHub uses" };
  return { runId };
}
