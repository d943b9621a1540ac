import { describe, expect, it } from 'vitest';
import { describeImport, type ImportResult } from '../../src/shared/exchange';

const NONE = {
  skipped: 0,
  skipped_empty: 0,
  skipped_duplicate: 0,
  dropped_messages: 0,
  cycles_broken: 0,
  replaced_characters: 0,
  notes: [],
};

describe('describeImport', () => {
  it('says what was added, in the singular where it is one, and nothing about counts that are zero', () => {
    const r: ImportResult = { format: 'chatgpt', conversations: 1, messages: 1, ...NONE };
    expect(describeImport(r)).toBe('Imported 1 conversation (1 message) from chatgpt.');
  });

  it('names every count that is not zero, in one line', () => {
    const r: ImportResult = {
      format: 'holdfast',
      conversations: 0,
      messages: 0,
      skipped: 3,
      skipped_empty: 1,
      skipped_duplicate: 2,
      dropped_messages: 1,
      cycles_broken: 1,
      replaced_characters: 5,
      notes: ['not shown'],
    };
    expect(describeImport(r)).toBe(
      'Imported 0 conversations (0 messages) from holdfast; 3 already here, skipped; 1 conversation without text skipped; ' +
        '2 conversations with repeated or taken ids skipped; 1 repeated message left out; 1 parent cycle cut; 5 broken characters replaced.',
    );
  });
});
