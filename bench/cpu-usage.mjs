// Preloaded by bench/startup.ts (`node --import ./bench/cpu-usage.mjs …`): reports the process's CPU time (user
// and system) on stderr when it exits. On a shared machine CPU time says what a start costs; wall time also
// says how long the process waited for a core.
process.on('exit', () => {
  const { userCPUTime, systemCPUTime } = process.resourceUsage();
  process.stderr.write(`\ncpu-us ${userCPUTime + systemCPUTime}\n`);
});
