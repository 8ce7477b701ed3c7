import { describe, expect, it } from 'vitest';
import { changeMessage, changePayload, changeRecord } from './change-record.js';
import type { PinChange } from './pin.js';

const changed: PinChange = {
  kind: 'tool_changed',
  serverId: 'github',
  tool: 'create_issue',
  fields: ['description', 'inputSchema'],
  classBefore: { category: 'Write', risk: 'Medium' },
  classAfter: { category: 'Write', risk: 'High' },
  effect: 'refused',
  at: Date.UTC(2026, 4, 1, 9, 40),
};

describe('changeMessage', () => {
  it('says what changed, the class before and after, and the command that accepts it', () => {
    expect(changeMessage(changed)).toBe(
      'The definition of tool "create_issue" on server "github" changed (description, inputSchema), class Write/Medium → Write/High. Its calls are refused until an operator accepts it: toolgate tools accept github:create_issue',
    );
    expect(changeMessage({ ...changed, effect: 'stricter' })).toContain('decided under the stricter class');
  });

  it('names the server alone for its instructions, and who accepted what', () => {
    const instructions: PinChange = { ...changed, kind: 'instructions_changed', tool: null, fields: ['instructions'] };
    expect(changeMessage(instructions)).toMatch(/held .* toolgate tools accept github$/);
    expect(changeMessage({ ...changed, kind: 'change_accepted', effect: 'none', by: 'cli:alice' })).toBe(
      'cli:alice accepted the definition of tool "create_issue" on server "github" (description, inputSchema), class Write/Medium → Write/High.',
    );
    expect(changeMessage({ ...changed, kind: 'change_accepted', effect: 'none', fields: [], by: 'cli:bob' })).toBe(
      'cli:bob accepted the removal of tool "create_issue" from server "github".',
    );
  });
});

describe('changeRecord and changePayload', () => {
  it('make a toolgate/pinning record whose outcome says whether calls are refused', () => {
    expect(changeRecord(changed, 'ID')).toMatchObject({
      method: 'toolgate/pinning',
      decisionId: 'ID',
      decision: 'tool_changed',
      serverId: 'github',
      tool: 'create_issue',
      outcome: 'refused',
      time: changed.at,
    });
    expect(changeRecord({ ...changed, kind: 'tool_removed', effect: 'none' }, 'ID').outcome).toBe('ok');
    expect(changeRecord({ ...changed, tool: null, kind: 'instructions_changed' }, 'ID').tool).toBe('');
  });

  it('make a webhook body naming the commands to run', () => {
    expect(changePayload(changed)).toMatchObject({
      type: 'tool.changed',
      change: {
        server: 'github',
        tool: 'create_issue',
        at: '2026-05-01T09:40:00.000Z',
        diff: 'toolgate tools diff github:create_issue',
        accept: 'toolgate tools accept github:create_issue',
      },
    });
  });
});
