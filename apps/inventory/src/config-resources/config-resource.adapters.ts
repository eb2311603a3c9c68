import type { ConfigEntity, FieldError } from '@certctl/contracts';
import type { CertificateReference, ReferenceLookups } from './config-resource.repository';
import { type SecretBox, maskSecretFields, openSecretFields, sealSecretFields } from '@certctl/pki';
import { targetConfigProblems } from './target-config-check';

/** A row of a configuration resource, as Prisma returns it. */
export type ConfigRow = Record<string, unknown> & { id: string; createdAt: Date; updatedAt: Date };
type Row = ConfigRow;
type Body = Record<string, unknown>;

/** What differs between the configuration resources; ConfigResourceService does the rest. */
export interface ConfigAdapter {
  entity: ConfigEntity;
  /** Human name, for messages. */
  what: string;
  idPrefix: string;
  toDto(row: Row): Record<string, unknown>;
  /** Body (snake_case, validated) → columns. Only the keys present are written. */
  toData(body: Body): Body;
  /**
   * Seals the secrets of a body before it is written (`previous`: the row being updated, whose
   * secrets a masked value sent back keeps); problems become a 422.
   */
  seal?(box: SecretBox, id: string, body: Body, previous: Row | null): { body: Body; problems: FieldError[] };
  /** The sealed body's settings checked against their schema (422 naming each field). */
  checkSettings?(box: SecretBox, id: string, body: Body, previous: Row | null): FieldError[];
  /** Referenced ids that must exist (422 naming the field). */
  checkReferences?(lookups: ReferenceLookups, body: Body): Promise<FieldError[]>;
  /** What still points at this row; non-empty → 409 on delete. */
  referencedBy(lookups: ReferenceLookups, id: string): Promise<string[]>;
}

/** The AAD a target's sealed setting is bound to (the target and the setting's path). */
export const targetAad = (id: string, path: string) => `target:${id}:config.${path}`;

const stamps = (r: Row) => ({ created_at: r.createdAt.toISOString(), updated_at: r.updatedAt.toISOString() });

function pick(body: Body, map: Record<string, string>): Body {
  const out: Body = {};
  for (const [wire, column] of Object.entries(map)) if (body[wire] !== undefined) out[column] = body[wire];
  return out;
}

async function certificatesUsing(lookups: ReferenceLookups, where: CertificateReference): Promise<string[]> {
  const [count, some] = await Promise.all([lookups.countCertificates(where), lookups.someCertificateIds(where, 5)]);
  if (!count) return [];
  return [`${count} certificate(s)${some.length ? ` (${some.join(', ')}${count > some.length ? ', ...' : ''})` : ''}`];
}

export const ADAPTERS: Record<ConfigEntity, ConfigAdapter> = {
  team: {
    entity: 'team',
    what: 'team',
    idPrefix: 't',
    toDto: (r) => ({ id: r.id, name: r.name, description: r.description, ...stamps(r) }),
    toData: (b) => pick(b, { name: 'name', description: 'description' }),
    async referencedBy(lookups, id) {
      const owners = await lookups.countOwnersOfTeam(id);
      return [...(await certificatesUsing(lookups, { teamId: id })), ...(owners ? [`${owners} owner(s)`] : [])];
    },
  },
  owner: {
    entity: 'owner',
    what: 'owner',
    idPrefix: 'o',
    toDto: (r) => ({ id: r.id, name: r.name, email: r.email, team_id: r.teamId ?? null, ...stamps(r) }),
    toData: (b) => pick(b, { name: 'name', email: 'email', team_id: 'teamId' }),
    async checkReferences(lookups, b) {
      if (typeof b.team_id !== 'string') return [];
      return (await lookups.teamExists(b.team_id))
        ? []
        : [{ field: 'team_id', message: `team ${JSON.stringify(b.team_id)} does not exist` }];
    },
    referencedBy: (lookups, id) => certificatesUsing(lookups, { ownerId: id }),
  },
  renewal_policy: {
    entity: 'renewal_policy',
    what: 'renewal policy',
    idPrefix: 'rp',
    toDto: (r) => ({
      id: r.id,
      name: r.name,
      renew_before_days: r.renewBeforeDays ?? null,
      renew_before_fraction: r.renewBeforeFraction ?? null,
      auto_renew: r.autoRenew,
      max_retries: r.maxRetries,
      alert_thresholds_days: r.alertThresholdsDays,
      ...stamps(r),
    }),
    toData: (b) =>
      pick(b, {
        name: 'name',
        renew_before_days: 'renewBeforeDays',
        renew_before_fraction: 'renewBeforeFraction',
        auto_renew: 'autoRenew',
        max_retries: 'maxRetries',
        alert_thresholds_days: 'alertThresholdsDays',
      }),
    referencedBy: (lookups, id) => certificatesUsing(lookups, { renewalPolicyId: id }),
  },
  profile: {
    entity: 'profile',
    what: 'profile',
    idPrefix: 'prof',
    toDto: (r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      allowed_key_algorithms: r.allowedKeyAlgorithms,
      max_validity_days: r.maxValidityDays,
      max_validity_seconds: r.maxValiditySeconds,
      ekus: r.ekus,
      san_rules: r.sanRules ?? {},
      requires_approval: r.requiresApproval,
      short_lived: r.shortLived,
      key_generation: r.keyGeneration,
      acme_auth_mode: r.acmeAuthMode,
      acme_eab_required: r.acmeEabRequired,
      allow_internal_names: r.allowInternalNames,
      ...stamps(r),
    }),
    toData: (b) =>
      pick(b, {
        name: 'name',
        description: 'description',
        allowed_key_algorithms: 'allowedKeyAlgorithms',
        max_validity_days: 'maxValidityDays',
        max_validity_seconds: 'maxValiditySeconds',
        ekus: 'ekus',
        san_rules: 'sanRules',
        requires_approval: 'requiresApproval',
        short_lived: 'shortLived',
        key_generation: 'keyGeneration',
        acme_auth_mode: 'acmeAuthMode',
        acme_eab_required: 'acmeEabRequired',
        allow_internal_names: 'allowInternalNames',
      }),
    referencedBy: (lookups, id) => certificatesUsing(lookups, { profileId: id }),
  },
  target: {
    entity: 'target',
    what: 'target',
    idPrefix: 'tgt',
    toDto: (r) => ({
      id: r.id,
      name: r.name,
      type: r.type,
      agent_id: r.agentId ?? null,
      // Secrets (sealed, or plain from before sealing) are only ever answered masked.
      config: maskSecretFields(r.config ?? {}),
      enabled: r.enabled,
      ...stamps(r),
    }),
    toData: (b) => pick(b, { name: 'name', type: 'type', agent_id: 'agentId', config: 'config', enabled: 'enabled' }),
    seal(box, id, body, previous) {
      if (body.config === undefined) return { body, problems: [] };
      const sealed = sealSecretFields(box, body.config as Body, (previous?.config as Body | undefined) ?? null, (path) =>
        targetAad(id, path),
      );
      return {
        body: { ...body, config: sealed.config },
        problems: sealed.problems.map((p) => ({ field: `config.${p.path}`, message: p.message })),
      };
    },
    checkSettings(box, id, body, previous) {
      if (body.config === undefined) return [];
      const type = String(body.type ?? previous?.type);
      return targetConfigProblems(
        type,
        openSecretFields(box, body.config, (path) => targetAad(id, path)),
      );
    },
    async checkReferences(lookups, b) {
      if (typeof b.agent_id !== 'string') return [];
      return (await lookups.agentExists(b.agent_id))
        ? []
        : [{ field: 'agent_id', message: `agent ${JSON.stringify(b.agent_id)} does not exist` }];
    },
    async referencedBy(lookups, id) {
      const [jobs, bound] = await Promise.all([lookups.countOpenJobsOfTarget(id), lookups.countCertificateBindings(id)]);
      return [...(bound ? [`${bound} certificate binding(s)`] : []), ...(jobs ? [`${jobs} open deployment job(s)`] : [])];
    },
  },
};
