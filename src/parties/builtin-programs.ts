/**
 * The programs every party serves out of the box. Other layers add theirs:
 *
 *   const programs = builtinPrograms().register(myProgram);
 *   new PartyServer({ ..., programs });
 */
import { z } from 'zod';
import { benchNetProgram } from './bench.js';
import { infoProgram, storeProgram } from './model-store.js';
import { ProgramRegistry, type ProgramDef } from './programs.js';
import { selftestProgram } from './selftest.js';
import { generateProgram } from './generate-program.js';

/** 'ping': no communication; answers with the party id (health checks, session overhead). */
export const pingProgram: ProgramDef<Record<string, never>, { party: number }> = {
  name: 'ping',
  description: 'no-op; returns the party id',
  params: z.object({}).strict(),
  async run(p) {
    return { party: p.id };
  },
};

export function builtinPrograms(): ProgramRegistry {
  return new ProgramRegistry().register(pingProgram).register(selftestProgram).register(storeProgram).register(infoProgram).register(benchNetProgram).register(generateProgram);
}
