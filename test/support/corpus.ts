// Where the security_content corpus and splunk/attack_data files are read from: in place, never copied into
// this repository. DUCKHUNT_CORPUS (a security_content checkout: detections/ and macros/) and
// DUCKHUNT_ATTACK_DATA (an attack_data checkout: datasets/…) choose them; by default the copies in ../shared
// beside the project are used when they exist. Tests that need them are skipped, and say so, when they do not.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

function located(envName: string, fallback: string, marker: string): string | undefined {
  const fromEnv = process.env[envName];
  const dir = fromEnv ? resolve(fromEnv) : resolve(ROOT, fallback);
  if (existsSync(join(dir, marker))) return dir;
  if (fromEnv) throw new Error(`${envName}=${fromEnv}: no ${marker}/ there`);
  return undefined;
}

/** A security_content checkout (detections/, macros/), or undefined when none is found. */
export const CORPUS = located('DUCKHUNT_CORPUS', '../shared/corpus/security_content', 'detections');

/** A splunk/attack_data checkout (datasets/…), or undefined when none is found. */
export const ATTACK_DATA = located('DUCKHUNT_ATTACK_DATA', '../shared/attack_data', 'datasets');

/** The one line a skipped suite shows. */
export const CORPUS_SKIPPED = 'skipped: no security_content corpus found (set DUCKHUNT_CORPUS=/path/to/security_content)';
export const ATTACK_DATA_SKIPPED = 'skipped: no attack_data found (set DUCKHUNT_ATTACK_DATA=/path/to/attack_data)';
