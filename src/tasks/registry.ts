/**
 * The task registry: which task names this process knows how to run.
 */
import type { AnyTaskDefinition } from "./types";

export interface TaskRegistry {
  /** Adds a task; registering a different definition under a taken name throws. */
  register(task: AnyTaskDefinition): TaskRegistry;
  get(name: string): AnyTaskDefinition | undefined;
  has(name: string): boolean;
  names(): string[];
}

/** Creates an empty registry (tests and multi-tenant setups; apps usually use `getTaskRegistry`). */
export function createTaskRegistry(): TaskRegistry {
  const tasks = new Map<string, AnyTaskDefinition>();
  const registry: TaskRegistry = {
    register(task) {
      if (task?.kind !== "covara.task") throw new TypeError("register: pass a task made by defineTask(...)");
      const existing = tasks.get(task.name);
      if (existing !== undefined && existing !== task) {
        throw new Error(`A different task is already registered as "${task.name}"`);
      }
      tasks.set(task.name, task);
      return registry;
    },
    get: (name) => tasks.get(name),
    has: (name) => tasks.has(name),
    names: () => [...tasks.keys()],
  };
  return registry;
}

let globalRegistry: TaskRegistry | undefined;

/** The process-wide registry. */
export function getTaskRegistry(): TaskRegistry {
  globalRegistry ??= createTaskRegistry();
  return globalRegistry;
}
