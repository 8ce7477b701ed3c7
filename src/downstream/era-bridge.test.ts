import { describe, expect, it } from 'vitest';
import { EraBridge } from './era-bridge.js';

/** A server call that asks the client one question, then returns what it was told. */
function askOnce(bridge: EraBridge, owner: string) {
  return bridge.start(
    async (ask) => {
      const answer = await ask({ method: 'roots/list' });
      return { content: [{ type: 'text', text: JSON.stringify(answer) }] };
    },
    owner,
    new AbortController().signal,
  );
}

describe('EraBridge', () => {
  it('resumes a held call for the owner that started it, with its answer', async () => {
    const bridge = new EraBridge(60_000);
    const first = await askOnce(bridge, 'alice|tools/call|roots');
    expect(first).toMatchObject({ resultType: 'input_required' });
    const [key] = Object.keys(first.inputRequests as object);
    const done = await bridge.resume(
      first.requestState as string,
      'alice|tools/call|roots',
      { [key!]: { roots: [] } },
      new AbortController().signal,
    );
    expect(done).toEqual({ content: [{ type: 'text', text: '{"roots":[]}' }] });
    bridge.close();
  });

  it('treats a request state as no capability: another owner, or another request, is told it does not exist', async () => {
    const bridge = new EraBridge(60_000);
    const first = await askOnce(bridge, 'alice|tools/call|roots');
    const state = first.requestState as string;
    const [key] = Object.keys(first.inputRequests as object);
    const signal = new AbortController().signal;
    for (const intruder of ['mallory|tools/call|roots', 'alice|tools/call|other-tool']) {
      await expect(bridge.resume(state, intruder, { [key!]: { roots: [] } }, signal)).rejects.toMatchObject({
        code: 'GW_INVALID_PARAMS',
      });
    }
    // The call is still held for its owner.
    const done = await bridge.resume(state, 'alice|tools/call|roots', { [key!]: { roots: [1] } }, signal);
    expect(done).toEqual({ content: [{ type: 'text', text: '{"roots":[1]}' }] });
    bridge.close();
  });
});
