// The GitHub twin's public surface: create one with every handler group registered.
import { registerAll } from "./routes/index.ts";
import { GithubTwin, type GithubTwinOptions } from "./twin.ts";

export function createGithubTwin(options: GithubTwinOptions = {}): GithubTwin {
  return registerAll(new GithubTwin(options));
}

export type { GithubTwinOptions } from "./twin.ts";
export { GithubTwin } from "./twin.ts";
