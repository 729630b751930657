import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { ConfigError, loadConfig } from '../lib/config';
import { errorMessage } from '../lib/automation/errors';
import { AppError } from '../lib/errors';
import { connect, type Executor } from './executor';
import { renderTable } from './table';

const USAGE = `Usage: npm run --silent cli -- <command> [options] [--json]

  owner create --email E --password P
  pool create --name N
  pool list
  upstream import --pool N --file auth.json   (a folder imports every *.json in it)
  upstream list
  key create --pool N [--name K]              (prints the raw key once)
  key list`;

type Options = { email?: string; password?: string; name?: string; pool?: string; file?: string; json: boolean };

function required(options: Options, name: keyof Options): string {
  const value = options[name];
  if (typeof value !== 'string' || value === '') throw new AppError('missing_option', `--${name} is required`);
  return value;
}

async function importUpstreams(exec: Executor, options: Options): Promise<Record<string, unknown>[]> {
  const pool = required(options, 'pool');
  const target = required(options, 'file');
  const files = statSync(target, { throwIfNoEntry: false })?.isDirectory()
    ? readdirSync(target).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(target, f))
    : [target];
  const readAuthJson = (file: string) => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as unknown;
    } catch (error) {
      throw new AppError('invalid_auth_json', `${file}: ${(error as Error).message}`);
    }
  };
  if (files.length === 1) return [(await exec.run('upstream.import', { pool, authJson: readAuthJson(files[0]!) })) as Record<string, unknown>];
  // A folder: import what can be imported, report every failure, fail the command if any did.
  const bar = new SingleBar({ format: 'importing [{bar}] {value}/{total} {file}', stream: process.stderr, hideCursor: true });
  bar.start(files.length, 0, { file: '' });
  const imported: Record<string, unknown>[] = [];
  const failures: string[] = [];
  for (const file of files) {
    bar.increment(0, { file: path.basename(file) });
    try {
      imported.push((await exec.run('upstream.import', { pool, authJson: readAuthJson(file) })) as Record<string, unknown>);
    } catch (error) {
      failures.push(`${path.basename(file)}: ${errorMessage(error).message}`);
    }
    bar.increment(1);
  }
  bar.stop();
  if (failures.length) throw new AppError('import_failed', `${failures.length} of ${files.length} failed — ${failures.join('; ')}`);
  return imported;
}

async function dispatch(exec: Executor, command: string, options: Options): Promise<unknown> {
  switch (command) {
    case 'owner create':
      return exec.run('owner.create', { email: required(options, 'email'), password: required(options, 'password') });
    case 'pool create':
      return exec.run('pool.create', { name: required(options, 'name') });
    case 'pool list':
      return exec.run('pool.list', {});
    case 'upstream import':
      return importUpstreams(exec, options);
    case 'upstream list':
      return exec.run('upstream.list', {});
    case 'key create':
      return exec.run('key.create', { pool: required(options, 'pool'), name: options.name });
    case 'key list':
      return exec.run('key.list', {});
    default:
      throw new AppError('unknown_command', `unknown command "${command}"\n${USAGE}`);
  }
}

function print(command: string, result: unknown, json: boolean) {
  if (json) {
    const shaped = command === 'key create' ? pick(result as Record<string, unknown>, ['id', 'key', 'prefix']) : result;
    process.stdout.write(`${JSON.stringify(shaped, null, 2)}\n`);
    return;
  }
  if (command === 'key create') {
    const { key, prefix } = result as { key: string; prefix: string };
    process.stdout.write(`${key}\n`);
    process.stderr.write(`Key ${prefix} created. This is the only time the raw key is shown; store it now.\n`);
    return;
  }
  const rows = Array.isArray(result) ? result : [result];
  process.stdout.write(`${renderTable(rows as Record<string, unknown>[])}\n`);
}

function pick(source: Record<string, unknown>, keys: string[]) {
  return Object.fromEntries(keys.map((k) => [k, source[k]]));
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' }, password: { type: 'string' }, name: { type: 'string' },
      pool: { type: 'string' }, file: { type: 'string' }, json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const command = positionals.slice(0, 2).join(' ');
  const exec = await connect(loadConfig());
  try {
    print(command, await dispatch(exec, command, values as Options), values.json ?? false);
    return 0;
  } finally {
    await exec.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof ConfigError ? error.message : errorMessage(error).message;
    process.stderr.write(`error: ${message}\n`);
    process.exit(1);
  },
);
