import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, ExitCode } from '@certctl/api-client';
import type { CliContext } from '../context';
import { type ImportBundle, NothingToImport, importFiles, readBundle } from '../import/bundle';
import { collect, columns, tagPairs } from './shared';

interface ImportOptions {
  passwordFile?: string;
  owner?: string;
  team?: string;
  policy?: string;
  issuer?: string;
  env?: string;
  tag?: string[];
  withKey?: boolean;
}

/** What happened to one file. */
export interface ImportResult {
  file: string;
  result: 'imported' | 'already_managed' | 'skipped' | 'failed';
  certificate_id: string | null;
  detail: string;
}

const RESULT_COLUMNS = columns(['FILE', 'file'], ['RESULT', 'result'], ['CERTIFICATE', 'certificate_id'], ['DETAIL', 'detail']);

function readPassword(path: string | undefined): string {
  if (!path) return '';
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new CliError(`Cannot read --password-file ${path}: ${(err as Error).message}`, ExitCode.usage);
  }
}

/** Imports one file's certificate; every outcome is a result, never a throw. */
async function importOne(ctx: CliContext, file: string, password: string, opts: ImportOptions): Promise<ImportResult> {
  let bundle: ImportBundle;
  try {
    bundle = readBundle(file, password);
  } catch (err) {
    const result = err instanceof NothingToImport ? 'skipped' : 'failed';
    return { file, result, certificate_id: null, detail: (err as Error).message };
  }
  if (opts.withKey && bundle.hadKey && !bundle.privateKeyPem) {
    return { file, result: 'failed', certificate_id: null, detail: 'its private key is encrypted PEM: decrypt it first (openssl pkey)' };
  }
  const uploadKey = opts.withKey ? bundle.privateKeyPem : undefined;
  const body = {
    certificate_pem: bundle.certificatePem,
    private_key_pem: uploadKey,
    chain_pem: bundle.chainPem,
    owner_id: opts.owner,
    team_id: opts.team,
    renewal_policy_id: opts.policy,
    issuer_id: opts.issuer,
    environment: opts.env,
    tags: opts.tag ? tagPairs(opts.tag) : undefined,
  };
  const keyNote = uploadKey
    ? '; its private key is stored encrypted on the server'
    : bundle.hadKey
      ? '; its private key was not uploaded (it stays with the file; --with-key uploads it)'
      : '';
  try {
    const out = await ctx.client.post<{ certificate: { id: string; name: string } }>('/api/v1/certificates/import', body);
    return { file, result: 'imported', certificate_id: out.certificate.id, detail: `as ${out.certificate.name}${keyNote}` };
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    const managed = /already managed \(certificate ([^)\s]+)\)/.exec(err.problem?.detail ?? '');
    if (err.exitCode === ExitCode.conflict && managed) {
      return { file, result: 'already_managed', certificate_id: managed[1], detail: 'already managed' };
    }
    // Who or where is wrong for every file: stop instead of repeating it per file.
    if (err.exitCode === ExitCode.auth || err.exitCode === ExitCode.server) throw err;
    return { file, result: 'failed', certificate_id: null, detail: err.message };
  }
}

export function registerCertsImport(program: Command, ctx: () => CliContext): void {
  const certs = program.commands.find((command) => command.name() === 'certs')!;
  certs
    .command('import <paths...>')
    .description('make managed certificates of existing ones: PEM bundles, DER, PKCS#12, directories (recursively)')
    .option('--password-file <path>', 'file holding the PKCS#12 password')
    .option('--owner <id>', 'owner id (default: the server’s import owner)')
    .option('--team <id>', 'team id')
    .option('--policy <id>', 'renewal policy id')
    .option('--issuer <id>', 'the issuer renewals go to')
    .option('--env <environment>', 'environment label')
    .option('--tag <key=value>', 'tag (repeatable)', collect)
    .option('--with-key', 'upload the private key found in a file: kept encrypted on the server, admins can download it')
    .action(async (paths: string[], opts: ImportOptions) => {
      let files: string[];
      try {
        files = importFiles(paths);
      } catch (err) {
        throw new CliError(`Cannot read ${(err as Error).message}`, ExitCode.usage);
      }
      if (!files.length) throw new CliError(`No .pem, .crt, .cer, .p12 or .pfx file under ${paths.join(', ')}`, ExitCode.usage);
      const password = readPassword(opts.passwordFile);
      const results: ImportResult[] = [];
      for (const file of files) results.push(await importOne(ctx(), file, password, opts));
      const count = (result: ImportResult['result']) => results.filter((one) => one.result === result).length;
      const summary = {
        imported: count('imported'),
        already_managed: count('already_managed'),
        skipped: count('skipped'),
        failed: count('failed'),
      };
      const doc = { data: results, summary }; // scripts get the summary too
      ctx().output.list(doc, RESULT_COLUMNS);
      ctx().output.note(
        `imported ${summary.imported}, already managed ${summary.already_managed}, skipped ${summary.skipped}, failed ${summary.failed}`,
      );
      if (summary.failed) throw new CliError(`${summary.failed} of ${files.length} files failed to import`, ExitCode.failure);
    });
}
