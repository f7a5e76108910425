// Errors a GitHub twin handler throws; the twin turns them into GitHub's error bodies.
export class GithubError extends Error {
  readonly status: number;
  // `field` is absent on GitHub's `custom` errors ("No commits between main and feature").
  readonly errors: { resource: string; field?: string; code: string; message?: string }[] | undefined;
  readonly headers: Record<string, string> | undefined;
  constructor(
    status: number,
    message: string,
    extra: { errors?: GithubError["errors"]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.errors = extra.errors;
    this.headers = extra.headers;
  }
}

export const notFound = () => new GithubError(404, "Not Found");
export const forbiddenForIntegration = () => new GithubError(403, "Resource not accessible by integration");
export const validationFailed = (resource: string, field: string, code: string, message?: string) =>
  new GithubError(422, "Validation Failed", {
    errors: [{ resource, field, code, ...(message ? { message } : {}) }],
  });
