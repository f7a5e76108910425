// GitHub's page-number pagination: `per_page` (default 30, max 100) and `page`, with a Link header.
import type { HandlerContext } from "./twin.ts";

export function paginate<T>(
  ctx: HandlerContext,
  items: T[],
  options: { maxPerPage?: number } = {},
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Number(ctx.query.get("per_page") ?? 30) || 30, options.maxPerPage ?? 100);
  const pageNumber = Math.max(1, Number(ctx.query.get("page") ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const page = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
  const links: string[] = [];
  const link = (n: number, rel: string) => {
    const url = new URL(ctx.twin.url + ctx.path);
    for (const [k, v] of ctx.query) url.searchParams.set(k, v);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(n));
    links.push(`<${url.toString()}>; rel="${rel}"`);
  };
  if (pageNumber > 1) {
    link(pageNumber - 1, "prev");
    link(1, "first");
  }
  if (pageNumber < last) {
    link(pageNumber + 1, "next");
    link(last, "last");
  }
  return { page, headers: links.length > 0 ? { link: links.join(", ") } : {} };
}
