/** The provider contract's input schemas: what a window or a script may configure. */
import { describe, expect, it } from 'vitest';
import { CreateProviderInput, UpdateProviderInput } from '../../src/shared/providers';

const add = (base_url: string) => CreateProviderInput.safeParse({ kind: 'openai-compatible', name: 'Local', base_url });

describe('provider base URLs', () => {
  it('refuses a base URL no client can parse, saying why, instead of queueing every answer as if offline', () => {
    for (const url of ['http://', 'http:// bad host/v1', 'http://[::1', 'https://exa mple.com/v1', 'http://127.0.0.1:99999/v1']) {
      const r = add(url);
      expect(r.success, url).toBe(false);
      expect(r.error?.issues.map((i) => i.message)).toEqual([
        'base_url is not a valid URL: a host, an optional port up to 65535, no spaces',
      ]);
    }
    expect(UpdateProviderInput.safeParse({ id: 'p1', base_url: 'http://' }).success).toBe(false);
  });

  it('takes the URLs people give, trimmed, and still names the scheme when it is not http', () => {
    for (const url of ['http://127.0.0.1:11434/v1', 'https://api.openai.com/v1', 'http://localhost:1234/v1', 'https://[::1]:8080/v1'])
      expect(add(url).data?.base_url, url).toBe(url);
    expect(add('  http://localhost:1234/v1 ').data?.base_url).toBe('http://localhost:1234/v1');
    expect(add('ftp://host/v1').error?.issues.map((i) => i.message)).toEqual(['base_url must start with http:// or https://']);
    expect(UpdateProviderInput.safeParse({ id: 'p1', base_url: null }).success).toBe(true);
  });
});
