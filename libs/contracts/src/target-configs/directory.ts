import { z } from 'zod';
import { absolutePath } from './common';

const fileName = z
  .string()
  .min(1)
  .refine((name) => !name.startsWith('/') && !name.split('/').includes('..'), 'must be a file name inside the directory');
const mode = z.preprocess(
  (value) => (typeof value === 'string' && /^0?[0-7]{3}$/.test(value) ? parseInt(value, 8) : value),
  z.number().int().min(0).max(0o777),
);
const argv = z.array(z.string().min(1)).min(1, 'must name a program (argv, no shell)');

/** A plain directory: the files written as one set, then the operator's own commands (argv, no shell). */
export const directoryConfigSchema = z.strictObject({
  directory: absolutePath,
  cert_file: fileName.default('cert.pem'),
  key_file: fileName.default('key.pem'),
  chain_file: fileName.optional(),
  fullchain_file: fileName.optional(),
  file_mode: mode.default(0o644),
  key_mode: mode.default(0o600),
  owner: z.union([z.number().int().min(0), z.string().min(1)]).optional(),
  group: z.union([z.number().int().min(0), z.string().min(1)]).optional(),
  reload_command: argv.optional(),
  validate_command: argv.optional(),
  verify: z
    .strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535), servername: z.string().optional() })
    .optional(),
});
export type DirectoryConfig = z.infer<typeof directoryConfigSchema>;
