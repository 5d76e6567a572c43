#!/usr/bin/env node
/**
 * The `facemetric` command: dispatches through the command table (commands.ts), where every
 * command, its options and its help are declared, and README.md's "Command line" block is
 * generated from (`facemetric help` prints it; `facemetric help COMMAND` one command's options).
 *
 * Errors print one line (`facemetric: <file>: <problem>`) and exit non-zero, without a stack trace.
 */
import { FacemetricError } from '../errors.js';
import { runCommand } from './commands.js';

// A reader that stops early (`facemetric identify ... | head`) is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

runCommand(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof FacemetricError) {
      process.stderr.write(`facemetric: ${e.message}\n`);
      process.exitCode = e.exitCode;
    } else {
      process.stderr.write(`facemetric: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      if (process.env.FACEMETRIC_DEBUG) console.error(e);
      process.exitCode = 70;
    }
  },
);
