// The App's permissions as app.yml (the manifest people register it from) asks for them: the sandbox and the
// tests install the App with exactly these, so nothing passes here that the registered App could not do.
import { readFileSync } from "node:fs";
import { parse } from "yaml";

type Level = "read" | "write";

const MANIFEST = new URL("../../app.yml", import.meta.url);

let cached: Record<string, Level> | undefined;

export function manifestPermissions(): Record<string, Level> {
  if (!cached) {
    const manifest = parse(readFileSync(MANIFEST, "utf8")) as { default_permissions?: Record<string, Level> };
    if (!manifest.default_permissions) throw new Error("app.yml has no default_permissions");
    cached = manifest.default_permissions;
  }
  return { ...cached };
}
