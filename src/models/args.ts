/**
 * Strict command-line parsing, shared by both command lines: the facemetric command table
 * (src/cli/options.ts) and the model preparation command (src/models/cli.ts). It lives in
 * models/ because that is the lowest folder both may import (ARCHITECTURE.md); it is
 * node:util's parseArgs with positionals allowed and unknown options refused, its errors
 * turned into the caller's UsageError.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.js';

type StrictOptions = NonNullable<ParseArgsConfig['options']>;
/** What parseArgs returns for `options`, strict and with positionals. */
type StrictParse<O extends StrictOptions> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/**
 * Parses `argv` against `options` (strict, positionals allowed).
 * Requires: nothing. Ensures: the parsed values and positionals; an unknown option, a missing
 * value or a flag given a value throws a UsageError whose message is `explain(parseArgs's message)`.
 */
export function parseStrictArgs<O extends StrictOptions>(argv: string[], options: O,
  explain: (message: string) => string): StrictParse<O> {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (e) {
    throw new UsageError(explain((e as Error).message));
  }
}
