import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppError, InventoryEnrollment, type RpcResponse } from '@certctl/contracts';
import { newId } from '@certctl/database';
import { RpcClient } from '@certctl/messaging';
import { ScepRepository } from './scep.repository';

type ScepProfile = Extract<RpcResponse<typeof InventoryEnrollment.profileResolve>, { protocol: 'scep' }>;

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** How a challenge password was accepted. */
export type ChallengeKind = 'static' | 'dynamic';

/**
 * SCEP challenge passwords: the profile's static one (sealed in its settings, compared in
 * constant time through SHA-256 digests, so the length leaks nothing either) or a one-time
 * dynamic one an admin or MDM asked for (only its SHA-256 stored, spent by one UPDATE).
 */
@Injectable()
export class ScepChallengesService {
  constructor(
    private readonly repository: ScepRepository,
    private readonly rpc: RpcClient,
  ) {}

  /** A new one-time challenge for a SCEP enrollment profile, shown once. */
  async create(profileId: string, ttlMinutes: number, note: string | undefined, actor: string) {
    const profile = await this.rpc.request(InventoryEnrollment.profileGet, { id: profileId });
    if (profile.protocol !== 'scep') {
      throw AppError.validation([
        { field: 'id', message: `enrollment profile ${profileId} is an ${profile.protocol.toUpperCase()} profile, not SCEP` },
      ]);
    }
    const challenge = randomBytes(24).toString('base64url');
    const row = await this.repository.insertChallenge({
      id: newId('scc'),
      enrollmentProfileId: profileId,
      challengeHash: sha256(challenge).toString('hex'),
      note: note ?? null,
      expiresAt: new Date(Date.now() + ttlMinutes * 60_000),
      createdBy: actor,
    });
    return { id: row.id, enrollment_profile_id: profileId, challenge, expires_at: row.expiresAt.toISOString(), note: row.note };
  }

  /** Which challenge the presented password is, or null: the static one first, then a live dynamic one (spent). */
  async accept(profile: ScepProfile, presented: string | undefined): Promise<ChallengeKind | null> {
    if (!presented) return null;
    const digest = sha256(presented);
    const configured = profile.settings.challenge_password;
    if (configured && timingSafeEqual(digest, sha256(configured))) return 'static';
    return (await this.repository.consumeChallenge(profile.id, digest.toString('hex'))) ? 'dynamic' : null;
  }
}
