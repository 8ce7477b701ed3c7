import { describe, expect, it } from 'vitest';
import { formatDocument, jsonEqual, parseDraft, replaceValue, setValue } from './policy-text.js';

describe('parseDraft', () => {
  it('reads an object', () => {
    expect(parseDraft('{"version":"1"}')).toEqual({ doc: { version: '1' } });
  });
  it.each(['{"a":', '{"a":1,}', '// c\n{}', '[]', '"x"', ''])('refuses %j', (text) => {
    expect(parseDraft(text)).toHaveProperty('error');
  });
});

describe('replaceValue', () => {
  const text = `{
    "version": "1",
    "default": "deny",
    "tools": {
        "a": {"limits": [{"counter": "c", "window": "minute", "max": 60}]},
        "b": {}
    }
}
`;

  it('changes one value and nothing else of the text', () => {
    const doc = { counter: 'c', window: 'minute', max: 60 };
    const next = replaceValue(text, ['tools', 'a', 'limits', 0], doc, { ...doc, max: 90 });
    expect(next).toBe(text.replace('"max": 60', '"max": 90'));
  });

  it('removes a key and adds one, indented as the file is', () => {
    const next = replaceValue(text, ['tools', 'b'], {}, { action: 'deny' });
    expect(next).toContain('"b": {\n            "action": "deny"\n        }');
    expect(next).toContain('"a": {"limits": [{"counter": "c", "window": "minute", "max": 60}]},');
    expect(JSON.parse(next).tools.b).toEqual({ action: 'deny' });
    const removed = replaceValue(next, ['tools'], JSON.parse(next).tools, { b: { action: 'deny' } });
    expect(JSON.parse(removed).tools).toEqual({ b: { action: 'deny' } });
    expect(removed.startsWith('{\n    "version": "1",\n    "default": "deny",\n')).toBe(true);
  });

  it('returns the very text when the value is the same, keys in any order', () => {
    expect(replaceValue(text, ['tools', 'b'], { x: 1, y: 2 }, { y: 2, x: 1 })).toBe(text);
  });

  it('an array of another length is written whole', () => {
    const next = replaceValue('{"hide": ["a", "b"]}', ['hide'], ['a', 'b'], ['b']);
    expect(JSON.parse(next)).toEqual({ hide: ['b'] });
  });

  it('undefined removes', () => {
    expect(JSON.parse(setValue('{"a": 1, "b": 2}', ['a'], undefined))).toEqual({ b: 2 });
  });
});

it('jsonEqual compares values, not key order', () => {
  expect(jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
  expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
  expect(jsonEqual([1], { 0: 1 })).toBe(false);
});

it('formatDocument writes two spaces and a final newline', () => {
  expect(formatDocument({ a: [1] })).toBe('{\n  "a": [\n    1\n  ]\n}\n');
});
