// Preloaded into a measured child process (`node --import`): at exit, writes the process's peak resident set size
// to the file named by MAKER_PEAK_RSS_FILE. Plain JavaScript so it loads before any TypeScript loader.
import { writeFileSync } from 'node:fs';

const file = process.env.MAKER_PEAK_RSS_FILE;
if (file) {
  process.on('exit', () => {
    // resourceUsage().maxRSS is in kibibytes.
    writeFileSync(file, JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS }));
  });
}
