// Runs once before the suites: says which suites are skipped for want of material read in place.

import { ATTACK_DATA, ATTACK_DATA_SKIPPED, CORPUS, CORPUS_SKIPPED } from './corpus.ts';

export default function setup(): void {
  if (!CORPUS) process.stderr.write(`corpus suites ${CORPUS_SKIPPED}\n`);
  if (!ATTACK_DATA) process.stderr.write(`attack_data suites ${ATTACK_DATA_SKIPPED}\n`);
}
