/**
 * The time a service reads for leases, expiry, freshness windows and retry due times (issue #20).
 * Services inject `CLOCK` (registered by platformModule, so every service has it) instead of
 * calling Date.now(): production gets the system clock; a unit or integration test constructs a
 * TestClock and moves it, so nothing sleeps to let a key expire or a window pass. In e2e (real
 * processes) a bundle built with test hooks and run with NODE_ENV=test gets an OffsetClock that
 * POST /test/clock moves (./test-hooks.ts); production bundles carry no such route.
 */
export interface Clock {
  /** The current time as a Date. */
  now(): Date;
  /** The current time in milliseconds since the epoch (what Date.now() answers). */
  nowMs(): number;
}

/** Nest injection token of the service's Clock. */
export const CLOCK = Symbol.for('certctl.clock');

/** The real time: what production uses. */
export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
  nowMs(): number {
    return Date.now();
  }
}

/** The one system clock (services that are constructed outside Nest default to it). */
export const systemClock: Clock = new SystemClock();

/**
 * A clock that stands still until the test moves it: `advance(ms)` or `set(time)`. It starts at
 * the given time, or at the real time of its construction.
 */
export class TestClock implements Clock {
  private ms: number;

  constructor(start: Date | number = Date.now()) {
    this.ms = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }
  nowMs(): number {
    return this.ms;
  }
  /** Moves the clock forward (or back, with a negative amount). */
  advance(ms: number): this {
    this.ms += ms;
    return this;
  }
  set(time: Date | number): this {
    this.ms = typeof time === 'number' ? time : time.getTime();
    return this;
  }
}

/**
 * The real time shifted by an offset the test sets: time keeps running, so a service started
 * with it behaves normally until a test moves it ahead (an e2e test that needs a key to expire
 * moves the service's clock instead of sleeping), then back to 0 when it is done.
 */
export class OffsetClock implements Clock {
  private offset = 0;

  now(): Date {
    return new Date(this.nowMs());
  }
  nowMs(): number {
    return Date.now() + this.offset;
  }
  get offsetMs(): number {
    return this.offset;
  }
  setOffset(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError('clock offset must be a finite number of milliseconds');
    this.offset = ms;
  }
}
