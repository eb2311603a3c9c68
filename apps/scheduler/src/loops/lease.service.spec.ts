import type { LeaseRepository } from './lease.repository';
import { LeaseService } from './lease.service';

/** The lease table in memory: one holder per name until it expires (the real one is an upsert in PostgreSQL). */
class MemoryLeases {
  readonly rows = new Map<string, { holder: string; expiresAt: number }>();
  now = 0;
  async tryAcquire(name: string, holder: string, ttlMs: number): Promise<boolean> {
    const row = this.rows.get(name);
    if (row && row.expiresAt >= this.now && row.holder !== holder) return false;
    this.rows.set(name, { holder, expiresAt: this.now + ttlMs });
    return true;
  }
  async release(name: string, holder: string): Promise<void> {
    if (this.rows.get(name)?.holder === holder) this.rows.delete(name);
  }
}

describe('LeaseService', () => {
  const setup = () => {
    const leases = new MemoryLeases();
    const repo = leases as unknown as LeaseRepository;
    return { leases, a: new LeaseService(repo), b: new LeaseService(repo) };
  };

  it('ok/each replica has its own holder name, and acquires and releases under it by default', async () => {
    const { leases, a, b } = setup();
    expect(a.holder).not.toBe(b.holder);
    expect(await a.tryAcquire('loop:renewal', 1000)).toBe(true);
    expect(leases.rows.get('loop:renewal')?.holder).toBe(a.holder);
    await a.release('loop:renewal');
    expect(leases.rows.has('loop:renewal')).toBe(false);
  });

  it('fail/two replicas exclude each other: the second is refused while the first holds the lease, and cannot release it', async () => {
    const { leases, a, b } = setup();
    expect(await a.tryAcquire('loop:alerts', 1000)).toBe(true);
    expect(await b.tryAcquire('loop:alerts', 1000)).toBe(false);
    await b.release('loop:alerts');
    expect(leases.rows.get('loop:alerts')?.holder).toBe(a.holder);
  });

  it('ok/an explicit holder (tests, the benchmark) is passed through to the repository', async () => {
    const { leases, a } = setup();
    expect(await a.tryAcquire('loop:digest', 500, 'bench-1')).toBe(true);
    expect(leases.rows.get('loop:digest')).toEqual({ holder: 'bench-1', expiresAt: 500 });
  });
});
