import { StallSafeClient } from './prisma.service';

describe('a pool connection of the services', () => {
  it('fail/an error event while no query runs (PostgreSQL killed: 57P01) does not end the process', () => {
    const client = new StallSafeClient({ connectionString: 'postgresql://nobody@127.0.0.1:1/none' });
    const terminated = Object.assign(new Error('terminating connection due to unexpected postmaster exit'), { code: '57P01' });
    // Without a listener, EventEmitter throws an 'error' it emits: what ended inventory in the fault suite.
    expect(() => client.emit('error', terminated)).not.toThrow();
  });
});
