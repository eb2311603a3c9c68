import { z } from 'zod';

/**
 * SCEP (RFC 8894) settings of an enrollment profile. A placeholder the SCEP work extends
 * (RA certificate, dynamic challenges, …): keep SCEP-only fields in this file.
 * `challenge_password` is sealed at rest (SecretBox) and answered masked.
 */
export const scepSettingsSchema = z
  .strictObject({
    challenge_password: z
      .string()
      .min(16, 'must be at least 16 characters')
      .max(256)
      .describe('Static SCEP challenge password (sealed at rest)'),
  })
  .partial();
export type ScepSettings = z.output<typeof scepSettingsSchema>;

/** On a change: a challenge of `****` keeps the stored one. */
export const scepSettingsPatchSchema = z
  .strictObject({ challenge_password: z.union([z.literal('****'), z.string().min(16, 'must be at least 16 characters').max(256)]) })
  .partial();

/** As answered: secrets masked. */
export const scepSettingsViewSchema = z.object({ challenge_password: z.string() }).partial();

/** As the gateway uses them: secrets opened. */
export const scepSettingsInternalSchema = z.object({ challenge_password: z.string() }).partial();
