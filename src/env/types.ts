/** The types of typed environment variables: a shape of Zod schemas in, typed values out. */
import type { z } from "zod";

/** Whether a variable is served to clients: by its name's prefix (`"default"`) or marked. */
export type EnvVisibility = "public" | "private" | "default";

/** The brand of an {@link EnvVariable}; a registered symbol so two copies of covara agree. */
export const ENV_VARIABLE: unique symbol = Symbol.for("covara.envVariable");

/** A variable with an explicit source (and, optionally, explicit visibility). */
export interface EnvVariable<Schema extends z.ZodType = z.ZodType, Visibility extends EnvVisibility = EnvVisibility> {
  readonly [ENV_VARIABLE]: true;
  /** The raw value, read where the variable was declared (`process.env.X`, a Workers binding). */
  readonly value: unknown;
  readonly schema: Schema;
  readonly visibility: Visibility;
}

/** What `createEnv` takes: per variable, a Zod schema (read from the source by name) or an `envVariable`. */
export type EnvShape = Record<string, z.ZodType | EnvVariable>;

type OutputOf<Entry> =
  Entry extends EnvVariable<infer Schema> ? z.output<Schema> : Entry extends z.ZodType ? z.output<Entry> : never;

/** Whether the variable `Key` of a shape is public. */
export type IsPublicVariable<Key, Entry, Prefix extends string> =
  Entry extends EnvVariable<z.ZodType, "public">
    ? true
    : Entry extends EnvVariable<z.ZodType, "private">
      ? false
      : Key extends `${Prefix}${string}`
        ? true
        : false;

/** The phantom key carrying a validated env's shape and public prefix, for `PublicEnvOf`. */
declare const envShape: unique symbol;

/** A validated environment: every variable typed by its schema's output. */
export type Env<Shape extends EnvShape, Prefix extends string = "PUBLIC_"> = {
  readonly [Key in keyof Shape]: OutputOf<Shape[Key]>;
} & {
  readonly [envShape]?: { shape: Shape; prefix: Prefix };
};

/** The public part of an env made by `createEnv`: what `usePublicEnv` serves and clients read. */
export type PublicEnvOf<E> =
  E extends Env<infer Shape, infer Prefix>
    ? {
        readonly [Key in keyof Shape as IsPublicVariable<Key, Shape[Key], Prefix> extends true ? Key : never]: OutputOf<
          Shape[Key]
        >;
      }
    : never;
