// What both description generators share: following every `$ref` from a chosen part of an OpenAPI
// description, transitively, to collect just the components that part needs.
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function referencedComponents(
  start: Json,
  allComponents: JsonObject,
  transform: (value: Json) => Json = (value) => value,
): Record<string, JsonObject> {
  const components: Record<string, JsonObject> = {};
  const pending: Json[] = [start];
  while (pending.length > 0) {
    const node = pending.pop();
    if (node === null || node === undefined || typeof node !== "object") continue;
    if (Array.isArray(node)) {
      pending.push(...node);
      continue;
    }
    const ref = node.$ref;
    if (typeof ref === "string") {
      const [, , kind, name] = ref.split("/");
      if (!kind || !name) throw new Error(`unexpected $ref ${ref}`);
      components[kind] ??= {};
      if (!(name in components[kind])) {
        const target = (allComponents[kind] as JsonObject | undefined)?.[name];
        if (target === undefined) throw new Error(`dangling $ref ${ref}`);
        components[kind][name] = transform(target);
        pending.push(components[kind][name]);
      }
    }
    pending.push(...Object.values(node));
  }
  return components;
}
