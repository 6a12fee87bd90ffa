// Preloaded into each measured child of bench/journal.ts (`node --import`): at exit, writes the process's peak
// resident set size and CPU time to the file named by MAKER_JOURNAL_PROBE_FILE. Plain JavaScript so it loads
// before any TypeScript loader.
import { writeFileSync } from 'node:fs';

const file = process.env.MAKER_JOURNAL_PROBE_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    // maxRSS is in kibibytes, CPU times in microseconds.
    writeFileSync(file, JSON.stringify({ maxRssKiB: usage.maxRSS, userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000 }));
  });
}
