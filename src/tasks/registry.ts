/**
 * The task registry: which task names an app knows how to run. Each app context has its own
 * (`getTaskRegistry(app)`); without an app it is the default context's, the process-wide one.
 */
import { contextOf, type ContextSource } from "../kernel/context";
import type { AnyTaskDefinition } from "./types";

declare module "../kernel/context" {
  interface CovaraContext {
    /** The app's task registry, created on first use (`getTaskRegistry(app)`). */
    taskRegistry?: TaskRegistry;
  }
}

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

/** The app's registry (created on first use); without an app, the default context's (process-wide) one. */
export function getTaskRegistry(app?: ContextSource): TaskRegistry {
  const context = contextOf(app);
  return (context.taskRegistry ??= createTaskRegistry());
}
