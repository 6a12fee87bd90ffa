/** The public API: what the package root and each folder's index export, and what they keep internal. */
import { describe, expect, it } from 'vitest';
import * as root from './index.ts';
import * as core from './core/index.ts';
import * as models from './models/index.ts';
import * as dispatch from './dispatch/index.ts';
import * as voting from './voting/index.ts';
import * as planning from './planning/index.ts';
import * as run from './run/index.ts';
import * as durable from './durable/index.ts';

const FOLDERS = { core, models, dispatch, voting, planning, run, durable };

describe('the public API', () => {
  it.each(Object.entries(FOLDERS))("carries every public name of %s/ at the root", (_folder, exports) => {
    for (const name of Object.keys(exports)) expect(root).toHaveProperty(name, (exports as Record<string, unknown>)[name]);
  });

  it('has what a user of durable runs and dispatch needs', () => {
    for (const name of ['startDurableRun', 'resumeDurableRun', 'readRunConfig', 'taskFingerprint', 'scanJournal', 'readSnapshot', 'buildRunReport', 'renderRunReport', 'createDispatcher', 'createDispatcherFromSpecs', 'createModel', 'runTask']) {
      expect(root, name).toHaveProperty(name, expect.any(Function));
    }
  });

  it('leaves out the internals the folders share, and the test kit (maker-ts/testing)', () => {
    const internals = ['addStepStats', 'addDispatchEvents', 'emptyTotals', 'logGamma', 'regularizedBeta', 'hashString', 'mixSeed', 'unitFromHash', 'openJournalWriter', 'encodeStep', 'decodeRecord', 'crc32', 'writeFileAtomic', 'frameLine', 'Budget', 'EndpointPool', 'TokenBucket', 'CircuitBreaker', 'backoffDelay', 'resolveRetryOptions', 'lockRunDir', 'prepareRunDir', 'redact', 'startChatServer'];
    expect(internals.filter((name) => name in root)).toEqual([]);
  });
});
