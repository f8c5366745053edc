/**
 * The programs every party serves out of the box, one file each (parameter schema, party half,
 * client half). The party CLI passes this table to its PartyServer; other tools add theirs:
 *
 *   const programs = builtinPrograms().register(myProgram);
 *   new PartyServer({ ..., programs });
 */
import { ProgramRegistry } from '../parties/program-table.js';
import { benchNetProgram } from './bench-net.js';
import { generateProgram } from './generate.js';
import { infoProgram, storeProgram } from './model.js';
import { pingProgram } from './ping.js';
import { selftestProgram } from './selftest.js';

export function builtinPrograms(): ProgramRegistry {
  return new ProgramRegistry().register(pingProgram).register(selftestProgram).register(storeProgram).register(infoProgram).register(benchNetProgram).register(generateProgram);
}
