/** A message's text as the contract keeps it: the first line's indentation stays, blank lines around it go. */
import { describe, expect, it } from 'vitest';
import { SendInput, tidyMessage } from '../../src/shared/messages';

describe('message text', () => {
  it('keeps the first line’s indentation (pasted code), dropping only blank lines before and whitespace after', () => {
    expect(tidyMessage('    def f():\n        return 1\n\n')).toBe('    def f():\n        return 1');
    expect(tidyMessage('\n \r\n\t\n  indented\n')).toBe('  indented');
    expect(tidyMessage(' \n\t ')).toBe('');
    const parsed = SendInput.parse({ conversation_id: 'c1', content: '\n    x = 1\n' });
    expect(parsed.content).toBe('    x = 1');
  });

  it('text of only whitespace is empty, so a message without files is refused', () => {
    expect(SendInput.safeParse({ conversation_id: 'c1', content: ' \n ' }).success).toBe(false);
    expect(SendInput.safeParse({ conversation_id: 'c1', content: ' \n ', attachments: ['a1'] }).success).toBe(true);
  });
});
