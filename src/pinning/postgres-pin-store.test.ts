import { expect, it } from 'vitest';
import { runPinStoreContract } from '../../test/contract/pin-store.contract.js';
import { describePostgres, freshPostgres, freshSchema } from '../../test/support/postgres.js';
import type { PinRules } from './pin.js';
import { PostgresPinStore } from './postgres-pin-store.js';
import { reviewListing } from './review-listing.js';

const RULES: PinRules = { changed: 'block', added: 'allow' };

describePostgres('PostgresPinStore', () => {
  runPinStoreContract(
    'PostgreSQL',
    async () => new PostgresPinStore(await freshPostgres()),
    async () => {
      // Two replicas: two pools on one schema.
      const schema = freshSchema();
      return [new PostgresPinStore(await freshPostgres(schema)), new PostgresPinStore(await freshPostgres(schema))];
    },
  );
});

describePostgres('PostgresPinStore across replicas', () => {
  it('records a change two replicas see at the same moment once, and moves the revision on once', async () => {
    const schema = freshSchema();
    const [one, two] = [
      new PostgresPinStore(await freshPostgres(schema)),
      new PostgresPinStore(await freshPostgres(schema)),
    ];
    const listed = (description: string) => ({
      serverId: 'notes',
      tools: [{ name: 'search', description }],
      instructions: null,
    });
    const review = (store: PostgresPinStore, description: string, now: number) =>
      store.update('notes', (stored) =>
        reviewListing(stored, listed(description), () => ({ category: 'Read', risk: 'Low' }), RULES, now),
      );
    await review(one, 'Searches.', 1000);
    const before = await two.load();
    const results = await Promise.all([review(one, 'Deletes.', 2000), review(two, 'Deletes.', 2000)]);
    expect(results.map((result) => result.changes.length).sort()).toEqual([0, 1]);
    const after = await one.changedSince(before.revision);
    expect(after.serverIds).toEqual(['notes']);
    expect((await two.changedSince(after.revision)).serverIds).toEqual([]);
  });
});
