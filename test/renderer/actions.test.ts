/** The renderer's action layer against a fake transport: results pass through, every failure reaches the banner. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createActions, installErrorHandlers, type ActionEnv } from '../../src/renderer/src/state/actions';
import { initialState, useHoldfast } from '../../src/renderer/src/state/store';
import { conflict, type ConflictReason } from '../../src/shared/errors';
import type { Conversation } from '../../src/shared/model';
import { FakeTransport, conversationRow, fail, messageRow } from '../support/fake-transport';
import { Sync } from '../../src/renderer/src/state/sync';
import { ipcTransport } from '../../src/renderer/src/api/transport';

const conversation = { id: 'c1', title: 'Hello', pinned: false, deleted_at: null } as Conversation; // only what the actions read

const env: ActionEnv = {
  setHash: () => undefined,
  afterPaint: () => Promise.resolve(),
  postImport: () => Promise.reject(new Error('no host here')),
};

function setup(handler: (method: string, input: unknown) => unknown, postImport = env.postImport) {
  const fake = new FakeTransport(handler as never);
  fake.setConnection('connected');
  const loaded: string[] = [];
  const sync: Pick<Sync, 'loadTree' | 'loadTail'> = {
    loadTree: async (id) => {
      loaded.push(id);
      useHoldfast.setState((s) => ({ trees: { ...s.trees, [id]: { messages: {}, structure: 1, complete: true } } }));
    },
    loadTail: async () => undefined,
  };
  return { fake, loaded, actions: createActions(fake, sync, { ...env, postImport }) };
}

beforeEach(() => useHoldfast.setState(initialState(), true));

describe('the action layer', () => {
  it('passes a result through and shows nothing', async () => {
    const { actions, fake } = setup(() => ({ ...conversation, title: 'Renamed' }));
    expect(await actions.renameConversation('c1', 'Renamed')).toMatchObject({ title: 'Renamed' });
    expect(fake.calls).toEqual([{ method: 'conversations.update', input: { id: 'c1', title: 'Renamed' } }]);
    expect(useHoldfast.getState().error).toBeNull();
  });

  it('a refused call shows what failed and what to do, and resolves instead of rejecting', async () => {
    const { actions } = setup(() => fail({ code: 'invalid_input', message: 'title: Too big: expected string to have <=500 characters' }));
    await expect(actions.renameConversation('c1', 'x'.repeat(501))).resolves.toBeUndefined();
    expect(useHoldfast.getState().error).toEqual({
      action: 'Rename the conversation',
      code: 'invalid_input',
      message: 'title: Too big: expected string to have <=500 characters',
      hint: 'Check what you entered and try again.',
    });
  });

  it('an error thrown by the far side arrives in the one shape, with a hint per code', async () => {
    const { actions } = setup(() => {
      throw conflict('generating', 'The answer is still being generated');
    });
    await actions.regenerate('m1');
    expect(useHoldfast.getState().error).toMatchObject({
      action: 'Regenerate the answer',
      code: 'conflict',
      hint: 'Wait for the answer in progress to finish (or stop it), then try again.',
    });
  });

  it('a conflict is hinted by its reason: a conversation trashed elsewhere says to restore it, not to wait', async () => {
    const { actions } = setup(() => {
      throw conflict('trashed', 'This conversation is in the trash; restore it first');
    });
    await actions.send('hello', [], 'c1');
    expect(useHoldfast.getState().error).toMatchObject({ action: 'Send the message', code: 'conflict' });
    expect(useHoldfast.getState().error?.hint).toBe('Restore it from the trash to write in it.');
    const hints: [ConflictReason | undefined, RegExp][] = [
      ['unfinished', /Retry/],
      ['completed', /Regenerate/],
      ['ended_normally', /follow-up/],
      ['provider_in_use', /another provider/],
      [undefined, /changed meanwhile/], // no reason (or one this window does not know): the general hint
    ];
    for (const [reason, hint] of hints) {
      // The wording is the same for all: the hint follows the reason, not the message.
      const { actions } = setup(() =>
        fail({ code: 'conflict', message: 'It cannot be done now', ...(reason ? { details: { reason } } : {}) }),
      );
      await actions.retry('m1');
      expect(useHoldfast.getState().error?.hint).toMatch(hint);
      expect(useHoldfast.getState().error?.hint).not.toMatch(/Wait for the answer/);
    }
  });

  it('the shown conversation moved to the trash in another window is left, saying why; one opened from the trash stays', async () => {
    const { actions } = setup(() => ({}));
    const stop = actions.leaveWhenTrashed();
    try {
      useHoldfast.setState({ conversations: { c1: conversation }, currentId: 'c1' });
      useHoldfast.setState((s) => ({ conversations: { ...s.conversations, c1: { ...conversation, deleted_at: 5 } } }));
      await vi.waitFor(() => expect(useHoldfast.getState().currentId).toBeNull());
      expect(useHoldfast.getState().notice).toMatch(/“Hello” was moved to the trash in another window/);
      // Opened from the trash on purpose: a later change to it does not send the person away.
      useHoldfast.setState({ currentId: 'c1', notice: null });
      useHoldfast.setState((s) => ({ conversations: { ...s.conversations, c1: { ...conversation, deleted_at: 6, title: 'Renamed' } } }));
      expect(useHoldfast.getState().currentId).toBe('c1');
      expect(useHoldfast.getState().notice).toBeNull();
    } finally {
      stop();
    }
  });

  it('a call while disconnected says Holdfast is reconnecting', async () => {
    const { actions, fake } = setup(() => conversation);
    fake.setConnection('disconnected');
    await actions.stop('m1');
    expect(useHoldfast.getState().error).toMatchObject({ action: 'Stop the answer', code: 'offline' });
    expect(useHoldfast.getState().error?.hint).toMatch(/reconnecting/);
  });

  it('send creates a conversation when none is open, and reports false when the message was not stored', async () => {
    let refuse = false;
    const { actions, fake, loaded } = setup((method) => {
      if (method === 'conversations.create') return conversation;
      if (method === 'messages.send') return refuse ? fail({ code: 'invalid_input', message: 'content must not be empty' }) : {};
      throw new Error(`unexpected ${method}`);
    });
    expect(await actions.send('hello')).toBe(true);
    expect(fake.callsOf('messages.send')).toEqual([{ conversation_id: 'c1', content: 'hello' }]);
    expect(useHoldfast.getState().currentId).toBe('c1');
    expect(loaded).toEqual(['c1']);
    refuse = true;
    expect(await actions.send(' ')).toBe(false);
    expect(useHoldfast.getState().error).toMatchObject({ action: 'Send the message', message: 'content must not be empty' });
  });

  it('New shows a conversation that is still empty instead of creating another; one with messages or a title is left alone', async () => {
    let made = 0;
    const { actions, fake } = setup((method) => {
      if (method === 'conversations.create')
        return { ...conversation, id: `new${++made}`, title: '', current_leaf_id: null, updated_at: made };
      throw new Error(`unexpected ${method}`);
    });
    expect(await actions.newConversation()).toBe('new1');
    expect(await actions.newConversation()).toBe('new1'); // the shown one is still empty
    expect(fake.callsOf('conversations.create')).toHaveLength(1);

    // Another, used conversation is shown: New goes back to the empty one rather than making a second.
    const used = { ...conversation, id: 'used', title: '', current_leaf_id: 'm1', updated_at: 5 };
    const titled = { ...conversation, id: 'titled', title: 'Named', current_leaf_id: null, updated_at: 6 };
    useHoldfast.setState((s) => ({ conversations: { ...s.conversations, used, titled }, currentId: 'used' }));
    expect(await actions.newConversation()).toBe('new1');
    expect(useHoldfast.getState().currentId).toBe('new1');
    expect(fake.callsOf('conversations.create')).toHaveLength(1);

    // Once it has a message (or is trashed) it is no longer a blank page: New creates one.
    useHoldfast.setState((s) => ({ conversations: { ...s.conversations, new1: { ...s.conversations.new1!, current_leaf_id: 'm2' } } }));
    expect(await actions.newConversation()).toBe('new2');
    useHoldfast.setState((s) => ({ conversations: { ...s.conversations, new2: { ...s.conversations.new2!, deleted_at: 9 } } }));
    expect(await actions.newConversation()).toBe('new3');
    // A first message being sent asks for a fresh one (it brings its own draft).
    expect(await actions.newConversation({ fresh: true })).toBe('new4');
    // One with a draft in its composer is being written in: not reused.
    const writing = (id: string) => id === 'new3' || id === 'new4';
    expect(await actions.newConversation({ writing })).toBe('new5');
    expect(await actions.newConversation({ writing })).toBe('new5');
  });

  it('New gives a blank composer from the click; the draft written before the conversation exists is handed to it as it is shown', async () => {
    const answers: ((c: Conversation) => void)[] = [];
    const { actions } = setup((method) => {
      if (method === 'conversations.create') return new Promise((resolve) => answers.push(resolve));
      throw new Error(`unexpected ${method}`);
    });
    const fresh = (id: string) => ({ ...conversation, id, title: '', current_leaf_id: null, updated_at: 1 });
    useHoldfast.setState({ conversations: { c1: conversation }, currentId: 'c1' });
    const adopted: { id: string; shown: string | null }[] = [];
    const adopt = (id: string) => adopted.push({ id, shown: useHoldfast.getState().currentId });

    const made = actions.newConversation({ adopt });
    expect(useHoldfast.getState()).toMatchObject({ creating: true, currentId: 'c1' });
    answers.shift()!(fresh('new1'));
    expect(await made).toBe('new1');
    expect(adopted).toEqual([{ id: 'new1', shown: 'c1' }]); // handed over before the new one is shown
    expect(useHoldfast.getState()).toMatchObject({ creating: false, currentId: 'new1' });

    // The person opens another conversation while it is created: they stay there; the new one is kept, empty.
    useHoldfast.setState((s) => ({ conversations: { ...s.conversations, new1: { ...s.conversations.new1!, title: 'Used' } } }));
    const second = actions.newConversation({ adopt });
    await vi.waitFor(() => expect(answers).toHaveLength(1));
    useHoldfast.setState({ currentId: 'c1' });
    answers.shift()!(fresh('new2'));
    expect(await second).toBe('new2');
    expect(adopted).toHaveLength(1);
    expect(useHoldfast.getState()).toMatchObject({ creating: false, currentId: 'c1' });
    expect(useHoldfast.getState().conversations.new2).toBeDefined();
  });

  it('New clicked twice, the second time after the list heard of the new conversation, still hands it what was typed', async () => {
    const answers: ((c: Conversation) => void)[] = [];
    const { actions } = setup((method) => {
      if (method === 'conversations.create') return new Promise((resolve) => answers.push(resolve));
      throw new Error(`unexpected ${method}`);
    });
    const fresh = { ...conversation, id: 'new1', title: '', current_leaf_id: null, updated_at: 1 };
    useHoldfast.setState({ conversations: { c1: conversation }, currentId: 'c1' });
    const adopted: string[] = [];
    const adopt = (id: string) => adopted.push(id);

    const made = actions.newConversation({ adopt });
    await vi.waitFor(() => expect(answers).toHaveLength(1));
    // The host's event for the new conversation comes before the call's answer: a second click on New opens it.
    useHoldfast.setState((s) => ({ conversations: { ...s.conversations, new1: fresh } }));
    expect(await actions.newConversation({ adopt })).toBe('new1');
    expect(useHoldfast.getState().currentId).toBe('new1');
    answers.shift()!(fresh);
    expect(await made).toBe('new1');
    expect(adopted).toEqual(['new1']); // what was typed meanwhile is the new conversation's, not left with no conversation
    expect(useHoldfast.getState()).toMatchObject({ creating: false, currentId: 'new1' });
  });

  it('New, then a click on the conversation left while it is created, stays there: the new one is kept empty', async () => {
    const answers: ((c: Conversation) => void)[] = [];
    const { actions } = setup((method) => {
      if (method === 'conversations.create') return new Promise((resolve) => answers.push(resolve));
      throw new Error(`unexpected ${method}`);
    });
    useHoldfast.setState({ conversations: { c1: conversation }, currentId: 'c1' });
    const made = actions.newConversation({ adopt: () => expect.unreachable() });
    await vi.waitFor(() => expect(answers).toHaveLength(1));
    await actions.selectConversation('c1'); // the person changed their mind: the row of the one still shown behind
    answers.shift()!({ ...conversation, id: 'new1', title: '', current_leaf_id: null, updated_at: 1 });
    expect(await made).toBe('new1');
    expect(useHoldfast.getState()).toMatchObject({ creating: false, currentId: 'c1' });
    expect(useHoldfast.getState().conversations.new1).toBeDefined();
  });

  it('New that cannot create a conversation shows none, so what was typed meanwhile stays in view', async () => {
    const { actions } = setup(() => fail({ code: 'internal', message: 'disk full' }));
    useHoldfast.setState({ conversations: { c1: conversation }, currentId: 'c1' });
    expect(await actions.newConversation({ adopt: () => expect.unreachable() })).toBeUndefined();
    expect(useHoldfast.getState()).toMatchObject({ creating: false, currentId: null, error: { action: 'Create a conversation' } });
  });

  it('an import the host refuses says nothing was imported; one that works leaves a notice', async () => {
    const reply = (status: number, body: unknown) => () => Promise.resolve(new Response(JSON.stringify(body), { status }));
    const refused = setup(() => conversation, reply(400, { error: { code: 'invalid_input', message: 'This file is not valid JSON' } }));
    expect(await refused.actions.importFile(new File(['{'], 'conversations.json'))).toBeUndefined();
    expect(useHoldfast.getState().error).toMatchObject({ action: 'Import', code: 'invalid_input', message: 'This file is not valid JSON' });
    expect(useHoldfast.getState().error?.hint).toMatch(/Nothing was imported/);

    const ok = setup(() => conversation, reply(200, { format: 'claude', conversations: 2, messages: 6, skipped: 0 }));
    await ok.actions.importFile(new File(['[]'], 'conversations.json'));
    expect(useHoldfast.getState().notice).toBe('Imported 2 conversations (6 messages) from claude.');
  });

  it('several files dropped away from the composer are each imported in turn, the notice naming each, a failure not stopping the rest', async () => {
    const posted: string[] = [];
    let running = 0;
    const { actions } = setup(
      () => conversation,
      async (blob) => {
        const file = blob as File; // the window posts the dropped File itself
        expect(running).toBe(0); // one after another, never two together
        running++;
        posted.push(file.name);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        if (file.name === 'broken.json')
          return new Response(JSON.stringify({ error: { code: 'invalid_input', message: 'This file is not valid JSON' } }), {
            status: 400,
          });
        return new Response(JSON.stringify({ format: 'claude', conversations: file.size, messages: 2 * file.size, skipped: 0 }));
      },
    );
    const files = [new File(['1'], 'a.json'), new File(['{'], 'broken.json'), new File(['123'], 'b.json')];
    const results = await actions.importFiles(files);
    expect(posted).toEqual(['a.json', 'broken.json', 'b.json']);
    expect(results.map((r) => r?.conversations)).toEqual([1, undefined, 3]);
    expect(useHoldfast.getState().notice).toBe(
      'a.json: Imported 1 conversation (2 messages) from claude. b.json: Imported 3 conversations (6 messages) from claude.',
    );
    expect(useHoldfast.getState().error).toMatchObject({ action: 'Import broken.json', message: 'This file is not valid JSON' });
  });

  it('several dropped files that fail are each named with their reason in the banner, not only the last', async () => {
    const { actions } = setup(
      () => conversation,
      async (blob) => {
        const file = blob as File;
        if (file.name === 'ok.json') return new Response(JSON.stringify({ format: 'holdfast', conversations: 1, messages: 2, skipped: 0 }));
        const message = file.name === 'broken.json' ? 'This file is not valid JSON' : 'The file holds no conversations';
        return new Response(JSON.stringify({ error: { code: 'invalid_input', message } }), { status: 400 });
      },
    );
    const files = [new File(['{'], 'broken.json'), new File(['1'], 'ok.json'), new File(['[]'], 'empty.json')];
    await actions.importFiles(files);
    expect(useHoldfast.getState().notice).toBe('ok.json: Imported 1 conversation (2 messages) from holdfast.');
    expect(useHoldfast.getState().error).toMatchObject({
      action: 'Import of 2 files',
      message: 'broken.json: This file is not valid JSON. empty.json: The file holds no conversations.',
      code: 'invalid_input',
    });
    expect(useHoldfast.getState().error?.hint).toMatch(/Nothing was imported/);
  });

  it('the address drives the shown conversation: back to an address without one shows none, forward shows it again', async () => {
    const { actions } = setup((method) => (method === 'messages.tree' ? { messages: [] } : conversation));
    await actions.followAddress('#/c/c1');
    expect(useHoldfast.getState().currentId).toBe('c1');
    await actions.followAddress(''); // back to the address the page was opened at
    expect(useHoldfast.getState().currentId).toBeNull();
    await actions.followAddress('#/c/c1');
    expect(useHoldfast.getState().currentId).toBe('c1');
  });

  it('an image or PDF dropped away from the composer is not sent to the import, and the banner says where to drop it', async () => {
    let posted = 0;
    const { actions } = setup(
      () => conversation,
      () => {
        posted++;
        return Promise.resolve(new Response('{}'));
      },
    );
    for (const file of [
      new File(['x'], 'screenshot.png', { type: 'image/png' }),
      new File(['x'], 'paper.pdf', { type: 'application/pdf' }),
    ]) {
      expect(await actions.importFile(file)).toBeUndefined();
      expect(useHoldfast.getState().error).toMatchObject({ action: `Import ${file.name}`, code: 'invalid_input' });
      expect(useHoldfast.getState().error?.message).toMatch(/is not an export/);
      expect(useHoldfast.getState().error?.hint).toMatch(/drop it on the message box/);
    }
    expect(posted).toBe(0);
  });

  it('a file over the attachment limit is refused before it is read, as too large, naming its size and the limit', async () => {
    const { actions, fake } = setup(() => ({}));
    const big = new File([new Uint8Array(26 * 1024 * 1024)], 'video.txt', { type: 'text/plain' });
    expect(await actions.addAttachment(big)).toBeUndefined();
    expect(fake.calls).toEqual([]);
    expect(useHoldfast.getState().error).toEqual({
      action: 'Attach video.txt',
      code: 'too_large',
      message: 'video.txt is 26.0 MB; a file may be at most 25 MB',
      hint: 'It is over the size limit: split it or use a smaller file.',
    });
  });

  it('a rejection nobody handled reaches the same banner, once', () => {
    const target = new EventTarget();
    installErrorHandlers(target);
    const event = Object.assign(new Event('unhandledrejection', { cancelable: true }), { reason: new Error('lost in a callback') });
    target.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true); // handled: the console does not report it a second time
    expect(useHoldfast.getState().error).toMatchObject({ action: 'Something', code: 'internal', message: 'lost in a callback' });
  });

  it("over IPC, the preload's rejection (a plain Error carrying the shape's fields) keeps its code", async () => {
    const bridge = {
      invoke: () =>
        Promise.reject(Object.assign(new Error('No such conversation'), { code: 'not_found', message: 'No such conversation' })),
      subscribe: () => () => undefined,
    };
    const actions = createActions(ipcTransport(bridge as never), { loadTree: async () => undefined, loadTail: async () => undefined }, env);
    await actions.trashConversation('gone');
    expect(useHoldfast.getState().error).toMatchObject({
      action: 'Move the conversation to the trash',
      code: 'not_found',
      message: 'No such conversation',
    });
  });

  it('an error without a known code still says what to do', async () => {
    const bridge = { invoke: () => Promise.reject(new Error('An object could not be cloned.')), subscribe: () => () => undefined };
    const actions = createActions(ipcTransport(bridge as never), { loadTree: async () => undefined, loadTail: async () => undefined }, env);
    await actions.setPinned('c1', true);
    expect(useHoldfast.getState().error).toEqual({
      action: 'Pin the conversation',
      code: 'internal',
      message: 'An object could not be cloned.',
      hint: 'Try again; if it keeps failing, restart Holdfast.',
    });
  });

  it('opening a conversation sends its requests before it sets the address, and the address still follows', async () => {
    // pushState costs milliseconds in a fresh window: spent after the requests leave, it overlaps their round trip.
    const fake = new FakeTransport((method) => {
      if (method === 'sync.watch') return { seq: 1, reset: false, messages: [] };
      if (method === 'messages.thread') return { conversation: conversationRow({ id: 'c1' }), messages: [] };
      if (method === 'messages.tree') return { current_leaf_id: null, messages: [messageRow({ id: 'm1', conversation_id: 'c1' })] };
      return undefined;
    });
    fake.setConnection('connected');
    const sentBeforeAddress: string[][] = [];
    const actions = createActions(fake, new Sync(fake, (flush) => flush()), {
      ...env,
      setHash: (hash) => sentBeforeAddress.push([hash, ...fake.calls.slice(start).map((c) => c.method)]),
    });
    let start = fake.calls.length;
    await actions.selectConversation('c1');
    expect(sentBeforeAddress).toEqual([['#/c/c1', 'sync.watch', 'messages.thread']]);
    expect(useHoldfast.getState().trees.c1?.messages.m1).toBeDefined();
    start = fake.calls.length;
    await actions.selectConversation(null);
    expect(sentBeforeAddress[1]).toEqual(['', 'sync.watch']);
  });
});
