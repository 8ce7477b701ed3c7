import { describe, expect, it } from 'vitest';
import { identifierWords, nounClassesOf, sentences, textWords, verbOf } from './words.js';

const texts = (name: string) => identifierWords(name).map((word) => word.text);

describe('identifierWords', () => {
  it('splits the ways tool names are written', () => {
    expect(texts('gateway.disconnect_server')).toEqual(['gateway', 'disconnect', 'server']);
    expect(texts('disconnectServer')).toEqual(['disconnect', 'server']);
    expect(texts('get-annotated-message')).toEqual(['get', 'annotated', 'message']);
    expect(texts('API-post-search')).toEqual(['api', 'post', 'search']);
    expect(texts('getHTTPResponse')).toEqual(['get', 'http', 'response']);
    expect(texts('slice_3mf')).toEqual(['slice', '3mf']);
  });

  it('keeps where each word is, so evidence can quote it as written', () => {
    const name = 'listAgents';
    const [, agents] = identifierWords(name);
    expect(name.slice(agents!.start, agents!.end)).toBe('Agents');
  });
});

describe('verbOf', () => {
  it('finds the verb of regular and irregular forms', () => {
    expect(verbOf('deletes')).toEqual({ lemma: 'delete', form: 's' });
    expect(verbOf('stopped')).toEqual({ lemma: 'stop', form: 'ed' });
    expect(verbOf('running')).toEqual({ lemma: 'run', form: 'ing' });
    expect(verbOf('sent')).toEqual({ lemma: 'send', form: 'ed' });
    expect(verbOf('retrieves')).toEqual({ lemma: 'retrieve', form: 's' });
    expect(verbOf('copies')).toEqual({ lemma: 'copy', form: 's' });
  });

  it('reads a hyphenated verb as one word and knows no verb in an ordinary noun', () => {
    expect(verbOf('re-running')?.lemma).toBe('rerun');
    expect(verbOf('printer')).toBeUndefined();
  });
});

describe('nounClassesOf', () => {
  it('finds a noun singular, plural, or as part of a hyphenated word', () => {
    expect(nounClassesOf('refunds')).toContain('payment');
    expect(nounClassesOf('subscriptions')).toContain('billing');
    expect(nounClassesOf('port-forward')).toContain('session');
    expect(nounClassesOf('banana')).toEqual([]);
  });
});

describe('sentences and textWords', () => {
  it('splits at sentence ends, line breaks and semicolons, but not inside "e.g." or "etc.)"', () => {
    const parts = sentences(
      'Stops a job. Refuses by default; set force=true to cancel.\n- a bullet (e.g. this, etc.) here',
    );
    expect(parts.map((part) => part.text)).toEqual([
      'Stops a job',
      'Refuses by default',
      'set force=true to cancel',
      '- a bullet (e.g. this, etc.) here',
    ]);
  });

  it('keeps identifiers written in prose whole and marks them', () => {
    const words = textWords('Use printer_stop or gateway.invoke for that.');
    expect(words.map((word) => [word.text, word.opaque])).toEqual([
      ['use', false],
      ['printer_stop', true],
      ['or', false],
      ['gateway.invoke', true],
      ['for', false],
      ['that', false],
    ]);
  });
});
