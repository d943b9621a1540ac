import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatZodError, toErrorShape } from '../../src/shared/errors';

describe('the error shape', () => {
  it('a schema failure becomes invalid_input with a one-line message naming each field, and the issues as details', () => {
    const schema = z.object({ title: z.string().max(3), n: z.object({ a: z.number() }) }).strict();
    const result = schema.safeParse({ title: 'abcd', n: { a: 'x' }, extra: 1 });
    if (result.success) throw new Error('expected a failure');
    const shape = toErrorShape(result.error);
    expect(shape.code).toBe('invalid_input');
    expect(shape.message).not.toContain('\n');
    expect(shape.message).toBe(formatZodError(result.error));
    expect(shape.message).toContain('title: Too big');
    expect(shape.message).toContain('n.a: Invalid input');
    expect(shape.message).toContain('input: Unrecognized key: "extra"');
    expect(shape.details).toEqual(result.error.issues);
  });
});
