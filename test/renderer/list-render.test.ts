// @vitest-environment happy-dom
/**
 * What a list-level change costs a window (src/renderer/src/state/sync.ts, store.ts, features/Sidebar.tsx): changes
 * heard in a frame are applied in one render, a conversation's row change renders that row only, the generating marks
 * render the rows whose mark changed, and the thread of the shown conversation does not render at all.
 */
import { act, createElement, Profiler } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { initialState, useHoldfast, setTree } from '../../src/renderer/src/state/store';
import { Sync } from '../../src/renderer/src/state/sync';
import type { Conversation } from '../../src/shared/model';
import type { AppStatus, PullOutput } from '../../src/shared/sync';
import { FakeTransport, conversationRow, messageRow, onlineStatus } from '../support/fake-transport';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// The window's client opens a socket at import; the list and thread only call actions on clicks here.
vi.mock('../../src/renderer/src/api/client', () => ({
  actions: new Proxy({}, { get: () => vi.fn(async () => undefined) }),
}));
const { Sidebar, rowRenders } = await import('../../src/renderer/src/features/Sidebar');
const { ThreadStack } = await import('../../src/renderer/src/features/ThreadStack');

// happy-dom lays nothing out: the list's scroll box gets a height, so its virtualiser (which reads clientHeight) shows rows.
const clientHeight =
  Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight') ??
  Object.getOwnPropertyDescriptor(Element.prototype, 'clientHeight')!;
Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
  configurable: true,
  get(this: HTMLElement) {
    return this.classList.contains('conversation-list') ? 800 : (clientHeight.get!.call(this) as number);
  },
});

const conversation = (n: number, o: Partial<Conversation> = {}): Conversation =>
  conversationRow({ id: `c${String(n).padStart(2, '0')}`, title: `conversation ${n}`, created_at: n, updated_at: n, ...o });
/** Twelve conversations: all fit in the list's 800 px, so every row is rendered. */
const all = Array.from({ length: 12 }, (_, i) => conversation(12 - i));
const shown = all[0]!.id;

let root: Root;
let frames: (() => void)[];
const commits = { sidebar: 0, thread: 0 };

beforeEach(async () => {
  useHoldfast.setState(initialState(), true);
  frames = [];
  commits.sidebar = commits.thread = 0;
  const snapshot: PullOutput = {
    seq: 10,
    reset: true,
    conversations: all,
    messages: [],
    deleted_conversation_ids: [],
    network: 'online',
    next_cursor: null,
    total: all.length,
  };
  const fake = new FakeTransport(async (method) => {
    if (method === 'sync.pull') return snapshot;
    if (method === 'app.status') return onlineStatus;
    if (method === 'sync.watch') return { seq: 10, reset: false, messages: [] };
    throw new Error(`unexpected ${method}`);
  });
  // Frames are the test's to run: what arrives before one is applied together when it runs.
  const sync = new Sync(fake, (flush) => frames.push(flush));
  fake.setConnection('connected');
  await vi.waitFor(() => expect(useHoldfast.getState().status).not.toBeNull());
  await sync.show(shown);
  setTree(shown, [
    messageRow({ id: 'q', conversation_id: shown, role: 'user', content: 'hello' }),
    messageRow({ id: 'a', conversation_id: shown, parent_id: 'q', role: 'assistant', content: 'hi there', status: 'completed' }),
  ]);
  useHoldfast.setState({ currentId: shown });
  const container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
  await act(async () =>
    root.render(
      createElement(
        'div',
        null,
        createElement(Profiler, { id: 'sidebar', onRender: () => void commits.sidebar++ }, createElement(Sidebar)),
        createElement(Profiler, { id: 'thread', onRender: () => void commits.thread++ }, createElement(ThreadStack, { currentId: shown })),
      ),
    ),
  );
  // The thread's list (happy-dom lays nothing out, so the virtualiser shows no rows: the thread's renders are what count).
  await vi.waitFor(() => expect(document.querySelector('[data-testid="thread"]')).not.toBeNull());
  // The thread renders the rest of its margin after its first frame (a frame, then a task: Thread.tsx); this waits on
  // the same two steps, queued after its own, so that render is done before the counting starts.
  await act(() => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0))));
  fakeRef = fake;
  commits.sidebar = commits.thread = 0;
  rowRenders.count = 0;
});

let fakeRef: FakeTransport;

afterEach(async () => {
  await act(async () => root.unmount());
  document.body.replaceChildren();
});

/** Runs what the window scheduled (the list's wait, then the frame it asks for) until nothing more is due. */
async function nextFrame(): Promise<void> {
  await act(async () => {
    while (frames.length) {
      const due = frames;
      frames = [];
      due.forEach((f) => f());
    }
  });
}

const rows = () => [...document.querySelectorAll<HTMLElement>('[data-testid="conversation-item"]')];
const status = (o: Partial<AppStatus>): AppStatus => ({ ...onlineStatus, ...o });

describe('a list-level change in the window', () => {
  it('renders the changed row only, and not the thread', async () => {
    expect(rows()).toHaveLength(all.length);
    fakeRef.emit({ type: 'sync.didChange', seq: 11, entity: 'conversation', data: { ...all[5]!, title: 'renamed' } });
    expect(useHoldfast.getState().conversations[all[5]!.id]!.title).toBe(all[5]!.title); // waits for the frame
    await nextFrame();
    expect(rows().find((r) => r.dataset.id === all[5]!.id)?.textContent).toBe('renamed');
    expect(rowRenders.count).toBe(1);
    expect(commits.thread).toBe(0);
    expect(useHoldfast.getState().lastSeq).toBe(11);
  });

  it('applies every change heard before a frame in one render, in order', async () => {
    for (let i = 1; i < 6; i++)
      fakeRef.emit({
        type: 'sync.didChange',
        seq: 10 + i,
        entity: 'conversation',
        data: { ...all[i]!, title: `t${i}`, updated_at: 100 + i },
      });
    fakeRef.emit({ type: 'sync.didChange', seq: 16, entity: 'conversation', data: { ...all[3]!, title: 'last word', updated_at: 200 } });
    fakeRef.emit({ type: 'app.didChangeStatus', seq: 17, status: status({ generating_conversation_ids: [all[3]!.id] }) });
    expect(useHoldfast.getState().conversations[all[3]!.id]).toBe(all[3]); // nothing applied before the frame
    expect(frames).toHaveLength(1); // and one frame asked for
    await nextFrame();
    expect(commits.sidebar).toBe(1);
    expect(commits.thread).toBe(0);
    // Newest activity first: the conversation changed last (updated_at 200) on top, with its latest title and its mark.
    expect(rows()[0]!.dataset.id).toBe(all[3]!.id);
    expect(rows()[0]!.textContent).toBe('last word');
    expect(rows()[0]!.dataset.generating).toBe('true');
    expect(rows().map((r) => r.textContent)).toEqual([
      'last word',
      't5',
      't4',
      't2',
      't1',
      all[0]!.title,
      ...all.slice(6).map((c) => c.title),
    ]);
    // Five rows changed (one twice): each rendered once.
    expect(rowRenders.count).toBe(5);
  });

  it('a generating mark renders the rows whose mark changed; a status that changes no mark renders no row', async () => {
    const marked = [all[4]!.id, all[7]!.id];
    fakeRef.emit({ type: 'app.didChangeStatus', seq: 11, status: status({ generating_conversation_ids: marked }) });
    await nextFrame();
    expect(
      rows()
        .filter((r) => r.dataset.generating === 'true')
        .map((r) => r.dataset.id),
    ).toEqual(marked);
    expect(rowRenders.count).toBe(2);
    // The same marks, other parts changed (an answer waiting elsewhere): the status's unchanged parts stay the same objects.
    const before = useHoldfast.getState().status!;
    fakeRef.emit({
      type: 'app.didChangeStatus',
      seq: 12,
      status: status({ generating_conversation_ids: marked, waiting_message_ids: ['x'] }),
    });
    await nextFrame();
    const after = useHoldfast.getState().status!;
    expect(after).not.toBe(before);
    expect(after.waiting_message_ids).toEqual(['x']);
    expect(after.generating_conversation_ids).toBe(before.generating_conversation_ids);
    expect(after.storage).toBe(before.storage);
    expect(rowRenders.count).toBe(2);
    expect(commits.sidebar).toBe(1); // the list did not render again at all
    expect(commits.thread).toBe(0);
    // A status equal to the one held changes nothing at all.
    fakeRef.emit({
      type: 'app.didChangeStatus',
      seq: 13,
      status: status({ generating_conversation_ids: marked, waiting_message_ids: ['x'] }),
    });
    await nextFrame();
    expect(useHoldfast.getState().status).toBe(after);
    expect(commits.sidebar).toBe(1);
  });

  it("the shown conversation's row is applied at once (its branch moves with its messages), what the list held back first", async () => {
    fakeRef.emit({ type: 'sync.didChange', seq: 11, entity: 'conversation', data: { ...all[6]!, title: 'held back' } });
    fakeRef.emit({ type: 'sync.didChange', seq: 12, entity: 'conversation', data: { ...all[0]!, current_leaf_id: 'a', title: 'shown' } });
    expect(useHoldfast.getState().conversations[shown]!.title).toBe('shown');
    expect(useHoldfast.getState().conversations[all[6]!.id]!.title).toBe('held back');
    expect(useHoldfast.getState().lastSeq).toBe(12);
  });
});
