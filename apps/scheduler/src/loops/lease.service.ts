import { Injectable } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { LeaseRepository } from './lease.repository';

/**
 * One lease row per loop in scheduler_leases: the replica that holds an unexpired lease
 * runs the loop; others skip until it lapses (a dead leader is replaced after the TTL).
 * Correctness does not depend on it: jobs and alerts are also deduplicated by unique keys.
 */
@Injectable()
export class LeaseService {
  /** This replica's name as a lease holder (host, process, random: unique across restarts). */
  readonly holder = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;

  constructor(private readonly leases: LeaseRepository) {}

  tryAcquire(name: string, ttlMs: number, holder = this.holder): Promise<boolean> {
    return this.leases.tryAcquire(name, holder, ttlMs);
  }

  release(name: string, holder = this.holder): Promise<void> {
    return this.leases.release(name, holder);
  }
}
