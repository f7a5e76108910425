// A tiny undici client for the twin tests, speaking Dokploy's tRPC-as-REST the way the Action will.
import { request } from "undici";

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or undefined when the body is empty (application.deploy). */
  body: unknown;
  raw: string;
}

export async function call(
  api: string,
  key: string | undefined,
  procedure: string,
  input: Record<string, unknown> = {},
  options: { method?: "GET" | "POST" } = {},
): Promise<Answer> {
  const method = options.method ?? (/\.(all|one|by\w+|readLogs)$/.test(procedure) ? "GET" : "POST");
  const headers: Record<string, string> = key === undefined ? {} : { "x-api-key": key };
  let url = `${api}/${procedure}`;
  let body: string | undefined;
  if (method === "GET") {
    const query = new URLSearchParams(
      Object.entries(input).map(([k, v]): [string, string] => [k, String(v)]),
    );
    if (query.size > 0) url += `?${query}`;
  } else {
    headers["content-type"] = "application/json";
    body = JSON.stringify(input);
  }
  const response = await request(url, { method, headers, body });
  const raw = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    body: raw === "" ? undefined : JSON.parse(raw),
    raw,
  };
}

export async function ok<T>(answer: Promise<Answer>): Promise<T> {
  const { status, body, raw } = await answer;
  if (status !== 200) throw new Error(`expected 200, got ${status}: ${raw}`);
  return body as T;
}
