/**
 * The report of a stored run (`maker report --store URL --run-id NAME`), built like a run directory's
 * (`run-report.ts`): every stored call is read and checked, a page of batches at a time, so memory stays bounded.
 */
import { InputError, JournalCorruptError } from '../core/errors.ts';
import { decodeRecord } from './journal-record.ts';
import { checkRunId, connectStore, ensureStoreSchema, readCalls, readRunRow, readStoredSnapshot, redactUrl } from './pg-store.ts';
import { reportAccumulator, type RunReport, type RunReportOptions } from './run-report.ts';

/** Reads a stored run's configuration, latest snapshot and every stored call into a report. */
export async function buildStoredRunReport(url: string, runId: string, options: RunReportOptions = {}): Promise<RunReport> {
  const store = redactUrl(url);
  const client = await connectStore(url);
  try {
    await ensureStoreSchema(client);
    const row = await readRunRow(client, checkRunId(runId));
    if (row === undefined) throw new InputError(`No run ${runId} in the store ${store}`, undefined, 'E_RUN_MISSING');
    const snapshot = await readStoredSnapshot(client, runId);
    const where = `store ${store}, run ${runId}`;
    const report = reportAccumulator(options.hardest ?? 10, snapshot, where);
    await readCalls(client, runId, 0, (json, step) => {
      const decoded = decodeRecord(json);
      if (!decoded.ok || decoded.record.step !== step) {
        throw new JournalCorruptError(where, step + 1, 0, decoded.ok ? `the record of step ${step} says it is step ${decoded.record.step}` : decoded.problem);
      }
      report.add(decoded.record);
    });
    return {
      dir: `${store}#${runId}`,
      location: `Run \`${runId}\` in the store \`${store}\``,
      config: { ...row.config, createdAt: row.createdAt },
      status: snapshot?.status ?? { kind: 'running' },
      snapshotStep: snapshot?.step ?? 0,
      totals: report.totals,
      wallMs: snapshot?.wallMs ?? 0,
      latencyMs: report.latencyMs,
      hardest: report.hardest,
      tornTail: undefined,
    };
  } finally {
    await client.end().catch(() => {});
  }
}
