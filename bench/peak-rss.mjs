// Runs the duckhunt command line exactly as bin/duckhunt.js does, and reports the process's peak resident set
// size on stderr when it exits: `node bench/peak-rss.mjs run -e '…'` (used by bench/memory.ts).
process.on('exit', () => process.stderr.write(`\npeak-rss-kb ${process.resourceUsage().maxRSS}\n`));
await import('../bin/duckhunt.js');
