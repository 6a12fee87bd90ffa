/**
 * One line on stderr when the endpoints stop answering, so a dead endpoint or a wrong URL does not look like a
 * hang: printed once per silence, when every endpoint's circuit is open or the silence reaches two seconds,
 * whichever comes first, and not again until some call has been answered.
 */
import type { Dispatcher, FaultEvent } from '../dispatch/dispatcher.ts';

/** Silence after which the notice is printed even if no circuit has opened, in milliseconds. */
export const STALL_NOTICE_MS = 2000;

/**
 * The `onFault` handler that prints the notice through `write`. `dispatcher` is read when a fault comes, so the
 * handler can be given to the dispatcher it watches.
 */
export function stallNotice(write: (line: string) => void, giveUpAfterMs: number, dispatcher: () => Dispatcher | undefined): (event: FaultEvent) => void {
  let lastSilence = 0;
  let noticed = false;
  return (event) => {
    const watched = dispatcher();
    if (watched === undefined) return;
    // Silence only grows until a call is answered: shorter than last time means a new silence.
    const silence = watched.silentForMs();
    if (silence < lastSilence) noticed = false;
    lastSilence = silence;
    if (noticed) return;
    const allOpen = watched.endpoints.every((endpoint) => !endpoint.breaker.closed);
    if (!allOpen && silence < STALL_NOTICE_MS) return;
    noticed = true;
    const limit = giveUpAfterMs === 0 ? 'retrying for as long as it takes' : `giving up after ${giveUpAfterMs / 1000} s without an answer (--give-up-after-s)`;
    write(`maker: no answer yet: ${event.message}; ${limit}\n`);
  };
}
