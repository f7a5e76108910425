// Every handler group of the GitHub twin. A new group registers here and nowhere else.
import type { GithubTwin } from "../twin.ts";
import { repoHandlers } from "./repos.ts";

export function registerAll(twin: GithubTwin): GithubTwin {
  return twin.use(repoHandlers);
}
