import { describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../src/shared/emitter';

describe('Emitter', () => {
  it('delivers each value to every listener in order until it is removed', () => {
    const e = new Emitter<number>();
    const a: number[] = [];
    const b: number[] = [];
    const offA = e.on((v) => a.push(v));
    e.on((v) => b.push(v * 10));
    e.emit(1);
    offA();
    offA(); // twice is harmless
    e.emit(2);
    expect(a).toEqual([1]);
    expect(b).toEqual([10, 20]);
    expect(e.size).toBe(1);
  });

  it('the same function subscribed twice hears twice and is removed once per subscription', () => {
    const e = new Emitter<string>();
    const heard: string[] = [];
    const listener = (v: string) => heard.push(v);
    const off1 = e.on(listener);
    e.on(listener);
    e.emit('x');
    off1();
    e.emit('y');
    expect(heard).toEqual(['x', 'x', 'y']);
  });

  it('a throwing listener does not stop the others; the error goes to onListenerError', () => {
    const onListenerError = vi.fn();
    const e = new Emitter<number>({ onListenerError });
    const heard: number[] = [];
    e.on(() => {
      throw new Error('bad window');
    });
    e.on((v) => heard.push(v));
    e.emit(7);
    expect(heard).toEqual([7]);
    expect(onListenerError).toHaveBeenCalledWith(new Error('bad window'));
  });

  it('without onListenerError the first error is thrown after every listener ran', () => {
    const e = new Emitter<number>();
    const heard: number[] = [];
    e.on(() => {
      throw new Error('first');
    });
    e.on(() => {
      throw new Error('second');
    });
    e.on((v) => heard.push(v));
    expect(() => e.emit(1)).toThrow('first');
    expect(heard).toEqual([1]);
  });

  it('a listener may unsubscribe itself while the event is delivered', () => {
    const e = new Emitter<number>();
    const heard: number[] = [];
    const off = e.on((v) => {
      heard.push(v);
      off();
    });
    e.on((v) => heard.push(-v));
    e.emit(1);
    e.emit(2);
    expect(heard).toEqual([1, -1, -2]);
  });
});
