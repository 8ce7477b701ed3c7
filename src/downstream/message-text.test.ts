import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_DEPTH, nestsDeeperThan, parseMessageText, topLevelId } from './message-text.js';

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('nestsDeeperThan', () => {
  it('counts arrays and objects, the outermost as 1', () => {
    expect(nestsDeeperThan('{"a":[{"b":[]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[{"b":[]}]}', 3)).toBe(true);
    expect(nestsDeeperThan('1', 0)).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan('{"a":"[[[[{{{{"}', 1)).toBe(false);
    expect(nestsDeeperThan('{"a":"\\"[[[[", "b":[]}', 1)).toBe(true);
    expect(nestsDeeperThan('{"a":"\\\\", "b":"[["}', 1)).toBe(false);
  });

  it('answers for text that never closes, without reading it all', () => {
    expect(nestsDeeperThan('['.repeat(4 * 1024 * 1024), MAX_MESSAGE_DEPTH)).toBe(true);
  });
});

describe('topLevelId', () => {
  it('reads a string or integer id of the outermost object, wherever it is', () => {
    expect(topLevelId('{"jsonrpc":"2.0","id":20,"params":[[[[')).toBe(20);
    expect(topLevelId('{ "params": {"id": 1}, "id" : "r-\\"1" }')).toBe('r-"1');
    expect(topLevelId('{"method":"id","id":-3}')).toBe(-3);
  });

  it('is null when the outermost object has no id a response may carry', () => {
    expect(topLevelId('{"params":{"id":1}}')).toBeNull();
    expect(topLevelId('{"id":1.5}')).toBeNull();
    expect(topLevelId('{"id":null}')).toBeNull();
    expect(topLevelId('[{"id":1}]')).toBeNull();
  });
});

describe('parseMessageText', () => {
  it('parses a message, and with validation refuses JSON that is no JSON-RPC message, with its id', () => {
    expect(parseMessageText('{"jsonrpc":"2.0","id":1,"method":"ping"}', true)).toEqual({
      body: { jsonrpc: '2.0', id: 1, method: 'ping' },
    });
    expect(parseMessageText('{"jsonrpc":"1.0","id":"v","method":"ping"}', true)).toMatchObject({
      code: 'GW_BAD_REQUEST',
      id: 'v',
    });
    expect(parseMessageText('{"jsonrpc":"1.0","id":"v","method":"ping"}', false)).toHaveProperty('body');
  });

  it('refuses text that is not JSON, and batches, with a null id', () => {
    expect(parseMessageText('{"id":1,', true)).toMatchObject({ code: 'GW_PARSE_ERROR', id: null });
    expect(parseMessageText('[{"jsonrpc":"2.0","id":1,"method":"ping"}]', false)).toMatchObject({
      code: 'GW_BAD_REQUEST',
      id: null,
    });
  });

  it('refuses nesting beyond any allowed argument depth before parsing, with the id it can read', () => {
    const within = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"t","arguments":{"a":${deep(MAX_MESSAGE_DEPTH - 3)}}}}`;
    expect(parseMessageText(within, true)).toHaveProperty('body');
    const beyond = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"t","arguments":{"a":${deep(MAX_MESSAGE_DEPTH - 2)}}}}`;
    expect(parseMessageText(beyond, true)).toMatchObject({
      code: 'GW_BAD_REQUEST',
      message: expect.stringContaining(`more than ${MAX_MESSAGE_DEPTH} levels deep`),
      id: 7,
    });
  });
});
