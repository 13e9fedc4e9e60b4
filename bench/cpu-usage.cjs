// Preloaded by bench/startup.ts (`node --require ./bench/cpu-usage.cjs …`): reports the process's CPU time (user
// and system) on stderr when it exits. CommonJS, so that the preload does not start Node's ES module loader,
// which the CLI itself starts without. On a shared machine CPU time says what a start costs; wall time also
// says how long the process waited for a core.
process.on('exit', () => {
  const { userCPUTime, systemCPUTime } = process.resourceUsage();
  process.stderr.write(`\ncpu-us ${userCPUTime + systemCPUTime}\n`);
});
