// @peculiar/x509 depends on tsyringe, which refuses to load without a Reflect metadata polyfill. No polyfill
// package is installed and the sandbox runs offline, so this supplies the three calls tsyringe makes
// (defineMetadata, getMetadata, getOwnMetadata) on a WeakMap. Imported for its effect, before @peculiar/x509.
type Target = object;
type ReflectWithMetadata = typeof Reflect & {
  defineMetadata?: (key: unknown, value: unknown, target: Target, property?: PropertyKey) => void;
  getOwnMetadata?: (key: unknown, target: Target, property?: PropertyKey) => unknown;
  getMetadata?: (key: unknown, target: Target, property?: PropertyKey) => unknown;
};

const reflect = Reflect as ReflectWithMetadata;

if (!reflect.getMetadata) {
  const store = new WeakMap<Target, Map<PropertyKey | undefined, Map<unknown, unknown>>>();
  const own = (target: Target, property: PropertyKey | undefined) => store.get(target)?.get(property);
  reflect.defineMetadata = (key, value, target, property) => {
    const byProperty = store.get(target) ?? new Map<PropertyKey | undefined, Map<unknown, unknown>>();
    store.set(target, byProperty);
    const entries = byProperty.get(property) ?? new Map<unknown, unknown>();
    byProperty.set(property, entries);
    entries.set(key, value);
  };
  reflect.getOwnMetadata = (key, target, property) => own(target, property)?.get(key);
  reflect.getMetadata = (key, target, property) => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t)) {
      const entries = own(t, property);
      if (entries?.has(key)) return entries.get(key);
    }
    return undefined;
  };
}
