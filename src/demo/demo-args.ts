import { z } from 'zod';
import { plainErrorMap, plainFields } from '../core/plain-issues.js';

const argsSchema = z
  .object({
    keep: z.boolean(),
    seed: z.number({ error: 'must be a whole number from 0 to 5000' }).int('must be a whole number from 0 to 5000').min(0, 'must be a whole number from 0 to 5000').max(5000, 'must be a whole number from 0 to 5000'),
  })
  .strict();

/** `--keep`, `--seed N` / `--seed=N`; anything else is an error naming it. */
export function parseDemoArgs(argv: string[]): { keep: boolean; seed: number; help: boolean } | { error: string } {
  let keep = false;
  let help = false;
  let seed: number | string = 200;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--keep') keep = true;
    else if (a === '--help' || a === '-h') help = true;
    else if (a === '--seed') seed = argv[++i] ?? '';
    else if (a.startsWith('--seed=')) seed = a.slice('--seed='.length);
    else return { error: `unknown argument "${a}"` };
  }
  const n = typeof seed === 'number' ? seed : /^\d+$/.test(seed) ? Number(seed) : NaN;
  const parsed = argsSchema.safeParse({ keep, seed: Number.isNaN(n) ? undefined : n }, { error: plainErrorMap });
  if (!parsed.success) return { error: plainFields(parsed.error).map((f) => `--${f.path} ${f.message}`).join('; ') };
  return { ...parsed.data, help };
}
