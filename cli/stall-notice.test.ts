import { describe, expect, it } from 'vitest';
import type { Dispatcher, FaultEvent } from '../dispatch/dispatcher.ts';
import { STALL_NOTICE_MS, stallNotice } from './stall-notice.ts';

/** A dispatcher as the notice reads it: how long it has been silent and which circuits are closed. */
function fakeDispatcher(state: { silentForMs: number; closed: boolean[] }): Dispatcher {
  return {
    silentForMs: () => state.silentForMs,
    get endpoints() {
      return state.closed.map((closed) => ({ breaker: { closed } }));
    },
  } as unknown as Dispatcher;
}

const fault: FaultEvent = { kind: 'connection', endpoint: 'e', step: 0, sample: 0, message: 'e: connection: connect ECONNREFUSED 127.0.0.1:1', retryInMs: 500 };

describe('the stall notice', () => {
  it('says nothing while some endpoint still answers, even when another one keeps failing', () => {
    const lines: string[] = [];
    const state = { silentForMs: 10, closed: [false, true] };
    const onFault = stallNotice((line) => lines.push(line), 60_000, () => fakeDispatcher(state));
    for (let i = 0; i < 10; i++) onFault(fault);
    expect(lines).toEqual([]);
  });

  it('prints one line once every circuit is open or the silence is long, and again only after an answer', () => {
    const lines: string[] = [];
    const state = { silentForMs: 0, closed: [true] };
    const onFault = stallNotice((line) => lines.push(line), 60_000, () => fakeDispatcher(state));
    onFault(fault);
    state.silentForMs = 300;
    onFault(fault);
    expect(lines).toEqual([]);
    state.closed = [false];
    onFault(fault);
    state.silentForMs = 5000;
    onFault(fault);
    expect(lines).toEqual([`maker: no answer yet: ${fault.message}; giving up after 60 s without an answer (--give-up-after-s)\n`]);
    // An answer came (the circuit closed, the silence restarted); a new silence that grows long is noticed again.
    state.closed = [true];
    state.silentForMs = 0;
    onFault(fault);
    expect(lines).toHaveLength(1);
    state.silentForMs = STALL_NOTICE_MS;
    onFault(fault);
    expect(lines).toHaveLength(2);
  });
});
