// The root-cause categories a diagnosis may name, read from the taxonomy shipped beside the engine.
import taxonomy from "./taxonomy.json" with { type: "json" };

export const UNKNOWN = "unknown";

export interface Category {
  id: string;
  description: string;
}

export const CATEGORIES: readonly Category[] = taxonomy.categories;

const ids = new Set(CATEGORIES.map((c) => c.id));

export function isCategoryId(id: string): boolean {
  return ids.has(id);
}
