/** Contract plumbing: a domain is a map of method name → {input, output} schemas; handlers are typed from it. */
import type { z } from 'zod';

export interface MethodSpec {
  input: z.ZodType;
  output: z.ZodType;
}
export type ContractDomain = Record<string, MethodSpec>;

export type InputOf<C extends ContractDomain, M extends keyof C> = z.infer<C[M]['input']>;
export type OutputOf<C extends ContractDomain, M extends keyof C> = z.infer<C[M]['output']>;

/** Every method of the contract must have a handler: a missing one is a compile error. `caller` is who called (a window's connection). */
export type HandlersFor<C extends ContractDomain, Ctx, Caller = unknown> = {
  [M in keyof C]: (input: InputOf<C, M>, ctx: Ctx, caller: Caller) => OutputOf<C, M> | Promise<OutputOf<C, M>>;
};
