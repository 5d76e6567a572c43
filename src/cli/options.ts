/**
 * The command table's machinery: how a command and its options are declared (once), how
 * arguments are parsed against that declaration (node:util parseArgs, strict: unknown options
 * and bad values are usage errors), and the text generated from it — the synopsis lines that the
 * help text and README.md's "Command line" block show, and each command's help page.
 * The commands themselves are in commands.ts.
 */
import { UsageError } from '../errors.js';
import { parseStrictArgs } from '../models/args.js';

/** One option of a command: `--name` (a flag) or `--name VALUE`. */
export interface OptionSpec {
  name: string;
  /** The value's name in the synopsis (`N`, `DIR`, `reference|wasm`); absent for a flag. */
  value?: string;
  /** The default, as the help text shows it. */
  default?: string;
  /** Shown without brackets in the synopsis (the command checks it is given). */
  required?: boolean;
  description: string;
  /**
   * Turns the raw string into the option's value or throws a UsageError (`command` names the
   * command in the message); absent: the string as given (a flag: true).
   */
  parse?: (raw: string, command: string) => unknown;
}

/** Parsed options, by name; absent when not given. */
export type OptionValues = Record<string, unknown>;

/** One command of the table. */
export interface CommandSpec {
  name: string;
  /** Other names that run it (`--help`, `--version`); not shown in the synopsis. */
  aliases?: string[];
  /** One line: what it does. */
  summary: string;
  /** The positional part of the synopsis (`IMAGE...`, `A B`). */
  usage: string;
  options: OptionSpec[];
  /** The command's paragraph in the help text (wrapped lines, no trailing newline; '' for none). */
  help: string;
  /**
   * Arguments go to `run` unparsed (the command parses them itself; `options` only documents
   * them), as for `models`, whose parser is src/models/cli.ts.
   */
  raw?: boolean;
  run(positionals: string[], options: OptionValues, argv: string[]): Promise<number>;
}

/**
 * A number option's parser: a finite number from min to max (an integer when `integer`), else the
 * usage error `<command>: --<name> must be an integer from 0 to 8, got 'x'`.
 */
export function numberOption(name: string, min: number, max: number, integer: boolean): (raw: string, command: string) => number {
  return (raw, command) => {
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new UsageError(`${command}: --${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got '${raw}'`);
    }
    return v;
  };
}

/** A choice option's parser: one of `choices`, else `<command>: --<name> must be 'a' or 'b', got 'x'`. */
export function choiceOption<T extends string>(name: string, choices: readonly T[]): (raw: string, command: string) => T {
  return (raw, command) => {
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    const list = choices.map((c) => `'${c}'`);
    const named = list.length <= 2 ? list.join(' or ') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
    throw new UsageError(`${command}: --${name} must be ${named}, got '${raw}'`);
  };
}

/**
 * Parses `argv` against the command's options.
 * Ensures: every given option parsed by its parser (flags: true), the positionals in order;
 *   unknown options, a missing value or a bad value are UsageErrors naming the command.
 */
export function parseCommandArgs(cmd: CommandSpec, argv: string[]): { options: OptionValues; positionals: string[] } {
  const parsed = parseStrictArgs(argv,
    Object.fromEntries(cmd.options.map((o) => [o.name, { type: o.value === undefined ? 'boolean' : 'string' } as const])),
    (message) => `${cmd.name}: ${message.replace(/\s*\n\s*/g, ' ')} (see facemetric help)`);
  const options: OptionValues = {};
  for (const [name, raw] of Object.entries(parsed.values)) {
    const spec = cmd.options.find((o) => o.name === name)!;
    options[name] = spec.parse !== undefined && typeof raw === 'string' ? spec.parse(raw, cmd.name) : raw;
  }
  return { options, positionals: parsed.positionals };
}

/** Synopsis lines are wrapped before this many characters. */
const WIDTH = 100;

/**
 * The command's synopsis: `facemetric NAME USAGE [--flag] [--opt VALUE] ...`, options in the
 * table's order, wrapped before {@link WIDTH} columns with continuation lines indented under the
 * first argument.
 */
export function synopsis(cmd: CommandSpec): string[] {
  const head = `facemetric ${cmd.name}`;
  const words = [
    ...(cmd.usage === '' ? [] : [cmd.usage]),
    ...cmd.options.map((o) => {
      const text = o.value === undefined ? `--${o.name}` : `--${o.name} ${o.value}`;
      return o.required ? text : `[${text}]`;
    }),
  ];
  const indent = ' '.repeat(head.length + 1);
  const lines: string[] = [];
  let line = head;
  for (const w of words) {
    if (line.length + 1 + w.length > WIDTH && line !== head && line.trim() !== '') {
      lines.push(line);
      line = indent + w;
    } else {
      line += ' ' + w;
    }
  }
  lines.push(line);
  return lines;
}

/** One command's help page: its synopsis, summary, options with defaults, and its paragraph. */
export function commandHelp(cmd: CommandSpec): string {
  const width = Math.max(0, ...cmd.options.map((o) => optionLabel(o).length));
  const options = cmd.options.flatMap((o) => {
    const text = o.description + (o.default !== undefined ? ` (default: ${o.default})` : '');
    const [first, ...more] = wrap(text, WIDTH - width - 4);
    return [`  ${optionLabel(o).padEnd(width)}  ${first}`, ...more.map((l) => ' '.repeat(width + 4) + l)];
  });
  return [
    'Usage:',
    ...synopsis(cmd).map((l) => `  ${l}`),
    '',
    cmd.summary,
    ...(options.length > 0 ? ['', 'Options:', ...options] : []),
    ...(cmd.help !== '' ? ['', cmd.help] : []),
    '',
  ].join('\n');
}

function optionLabel(o: OptionSpec): string {
  return o.value === undefined ? `--${o.name}` : `--${o.name} ${o.value}`;
}

/** `text` cut into lines of at most `width` characters, between words (a longer word stays whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const w of text.split(' ')) {
    if (line !== '' && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else {
      line = line === '' ? w : `${line} ${w}`;
    }
  }
  lines.push(line);
  return lines;
}
