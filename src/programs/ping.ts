/**
 * Program 'ping': no communication; each party answers with its id (health checks, session
 * overhead). No client half: `client.run('ping', {})`.
 */
import { z } from 'zod';
import type { ProgramDef } from '../parties/program-table.js';

export const pingProgram: ProgramDef<Record<string, never>, { party: number }> = {
  name: 'ping',
  description: 'no-op; returns the party id',
  params: z.object({}).strict(),
  async run(p) {
    return { party: p.id };
  },
};
