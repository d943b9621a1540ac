// @vitest-environment happy-dom
/** The composer's drafts: one per conversation, and a refused first message stays with the conversation it created. */
import { act, createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { initialState, useHoldfast } from '../../src/renderer/src/state/store';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// The window's client opens a socket at import; the composer only calls these two actions here.
const client = vi.hoisted(() => ({ actions: { newConversation: vi.fn(), send: vi.fn() } }));
vi.mock('../../src/renderer/src/api/client', () => client);
const { Composer, adoptDraft } = await import('../../src/renderer/src/features/Composer');

function type(box: HTMLTextAreaElement, value: string): void {
  // React hears a controlled field's change through the native setter and an input event.
  Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!.call(box, value);
  box.dispatchEvent(new Event('input', { bubbles: true }));
}

afterEach(() => {
  document.body.replaceChildren();
  useHoldfast.setState(initialState(), true);
});

describe('the composer', () => {
  it('a first message refused after its conversation was made stays in that conversation, not in the one shown meanwhile', async () => {
    let refuse!: (sent: boolean) => void;
    client.actions.newConversation.mockImplementation(async () => {
      useHoldfast.setState({ currentId: 'made' }); // as the real action: the new conversation is shown
      return 'made';
    });
    client.actions.send.mockImplementation(async (_content: string, _files: string[], id?: string) => {
      if (!id) useHoldfast.setState({ currentId: 'made' }); // a send naming no conversation makes one and shows it
      return new Promise<boolean>((resolve) => (refuse = resolve));
    });
    const el = document.createElement('div');
    document.body.append(el);
    const root = createRoot(el);
    act(() => root.render(createElement(Composer)));
    const box = () => el.querySelector<HTMLTextAreaElement>('[data-testid="composer-input"]')!;

    act(() => useHoldfast.setState({ currentId: 'other' }));
    act(() => type(box(), 'a draft for the other conversation'));
    act(() => useHoldfast.setState({ currentId: null }));
    act(() => type(box(), 'the first message'));
    await act(async () => box().form!.requestSubmit());
    await vi.waitFor(() => expect(client.actions.send).toHaveBeenCalledTimes(1));

    act(() => useHoldfast.setState({ currentId: 'other' })); // the person moves on while the message is being sent
    await act(async () => refuse(false));
    expect(box().value).toBe('a draft for the other conversation');
    act(() => useHoldfast.setState({ currentId: 'made' }));
    expect(box().value).toBe('the first message');
    act(() => root.unmount());
  });

  it('a send still on its way in one conversation does not stop Enter sending in another; a second Enter in the first does nothing', async () => {
    const pending = new Map<string, (sent: boolean) => void>();
    client.actions.send.mockReset();
    client.actions.send.mockImplementation(
      (_content: string, _files: string[], id?: string) => new Promise<boolean>((resolve) => pending.set(id!, resolve)),
    );
    const el = document.createElement('div');
    document.body.append(el);
    const root = createRoot(el);
    act(() => root.render(createElement(Composer)));
    const box = () => el.querySelector<HTMLTextAreaElement>('[data-testid="composer-input"]')!;
    const enter = () => box().dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));

    act(() => useHoldfast.setState({ currentId: 'A' }));
    act(() => type(box(), 'to A'));
    await act(async () => enter());
    await act(async () => enter()); // the same draft again while it is being sent: not sent twice
    const button = () => el.querySelector<HTMLButtonElement>('[data-testid="send-button"]')!;
    expect(button().textContent).toBe('Sending…'); // says why Enter does nothing here
    expect(client.actions.send.mock.calls.map((c) => [c[0], c[2]])).toEqual([['to A', 'A']]);

    act(() => useHoldfast.setState({ currentId: 'B' }));
    act(() => type(box(), 'to B'));
    expect(button().textContent).toBe('Send');
    await act(async () => enter());
    expect(client.actions.send.mock.calls.map((c) => [c[0], c[2]])).toEqual([
      ['to A', 'A'],
      ['to B', 'B'],
    ]);

    await act(async () => pending.get('B')!(true));
    expect(box().value).toBe('');
    await act(async () => pending.get('A')!(true));
    act(() => useHoldfast.setState({ currentId: 'A' }));
    expect(box().value).toBe('');
    act(() => root.unmount());
  });

  it('while New creates a conversation the composer is blank, and what is typed then goes to the new one, not the one left', () => {
    const el = document.createElement('div');
    document.body.append(el);
    const root = createRoot(el);
    act(() => root.render(createElement(Composer)));
    const box = () => el.querySelector<HTMLTextAreaElement>('[data-testid="composer-input"]')!;

    act(() => useHoldfast.setState({ currentId: 'left' }));
    act(() => type(box(), 'a draft for the conversation left'));
    act(() => useHoldfast.setState({ creating: true })); // New clicked; the conversation is not made yet
    expect(box().value).toBe('');
    act(() => type(box(), 'typed straight after New'));
    act(() => {
      adoptDraft('new');
      useHoldfast.setState({ creating: false, currentId: 'new' });
    });
    expect(box().value).toBe('typed straight after New');
    act(() => useHoldfast.setState({ currentId: 'left' }));
    expect(box().value).toBe('a draft for the conversation left');
    act(() => useHoldfast.setState({ currentId: null }));
    expect(box().value).toBe(''); // handed over, not copied
    act(() => root.unmount());
  });
});
