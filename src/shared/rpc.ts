/** Contract plumbing: a domain is a map of method name → {input, output} schemas; handlers are typed from it. */
import type { z } from 'zod';

/**
 * Where a method lives on the host's REST API; the router is generated from these, and the README's route table is
 * checked against them. Only what the method needs is said: the rest of the input comes from the JSON body.
 */
export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** As in the README: `:id` is the one path parameter. */
  path: string;
  /** The input key that `:id` fills (default `id`). */
  id?: string;
  /** Query parameters read into the input, each converted to its type. */
  query?: Record<string, 'string' | 'number' | 'boolean'>;
  /** Input used when the request leaves a key out (for example the export format). */
  defaults?: Record<string, unknown>;
  /** False: the route reads no body (anything sent is ignored, as before). Default: POST, PUT and PATCH read one. */
  body?: false;
  /** Answer with this field of the output instead of the whole output. */
  field?: string;
  /** The output `{filename, mime, content}` goes out as a file download. */
  download?: true;
  /**
   * The route answers only when the query has one of these parameters; it is chosen before a route on the same method
   * and path without `when` (the paged list and the whole list share `GET /api/sessions`).
   */
  when?: string[];
}

export interface MethodSpec {
  input: z.ZodType;
  output: z.ZodType;
  http?: HttpRoute;
}
export type ContractDomain = Record<string, MethodSpec>;

export type InputOf<C extends ContractDomain, M extends keyof C> = z.infer<C[M]['input']>;
export type OutputOf<C extends ContractDomain, M extends keyof C> = z.infer<C[M]['output']>;

/** Every method of the contract must have a handler: a missing one is a compile error. `caller` is who called (a window's connection). */
export type HandlersFor<C extends ContractDomain, Ctx, Caller = unknown> = {
  [M in keyof C]: (input: InputOf<C, M>, ctx: Ctx, caller: Caller) => OutputOf<C, M> | Promise<OutputOf<C, M>>;
};
