// Preloaded into a measured child process (`node --import`): at exit, writes the process's peak resident set size
// and the CPU time it used (user and system, every thread, start-up included) to the file named by
// MAKER_PEAK_RSS_FILE. Plain JavaScript so it loads before any TypeScript loader.
import { writeFileSync } from 'node:fs';

const file = process.env.MAKER_PEAK_RSS_FILE;
if (file) {
  process.on('exit', () => {
    // resourceUsage(): maxRSS in kibibytes, CPU times in microseconds.
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKiB: usage.maxRSS, userCpuUs: usage.userCPUTime, systemCpuUs: usage.systemCPUTime }));
  });
}
