/**
 * Where tokens live between page loads: a pluggable key/value store whose shape matches both the
 * Web Storage API and React Native's AsyncStorage (methods may return values or promises).
 */

export interface TokenStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
}

/** Tokens in memory only (lost on reload): Node, Workers, tests. */
export function memoryTokenStorage(): TokenStorage {
  const map = new Map<string, string>();
  return {
    getItem: (key) => map.get(key) ?? null,
    setItem: (key, value) => void map.set(key, value),
    removeItem: (key) => void map.delete(key),
  };
}

/** Tokens in `localStorage` (browsers); memory when it is unavailable (SSR, private modes). */
export function localStorageTokenStorage(): TokenStorage {
  const storage = (globalThis as { localStorage?: Storage }).localStorage;
  if (!storage) return memoryTokenStorage();
  return {
    getItem: (key) => storage.getItem(key),
    setItem: (key, value) => storage.setItem(key, value),
    removeItem: (key) => storage.removeItem(key),
  };
}

/** Wraps an AsyncStorage-compatible object (React Native's `@react-native-async-storage`). */
export function asyncStorageTokenStorage(asyncStorage: {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}): TokenStorage {
  return asyncStorage;
}

/** localStorage in a browser, memory elsewhere. */
export function defaultTokenStorage(): TokenStorage {
  return localStorageTokenStorage();
}
