import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { errorFromResponse, RequestError, ServerExtensionMissingError } from '../src/errors';
import { checkCompatibility, releaseParts, suggestRegistration } from '../src/findings';
import { PANEL_VERSION } from '../src/version';
import { environment, report } from './fixtures';

describe('errorFromResponse', () => {
  it('reads the JSON message of an API error', () => {
    const error = errorFromResponse('/envdoctor/fixes/x', 404, '{"message": "no fix with id x", "reason": "Not Found"}');

    expect(error).toBeInstanceOf(RequestError);
    expect(error.message).toBe('no fix with id x');
    expect((error as RequestError).status).toBe(404);
    expect((error as RequestError).reason).toBe('Not Found');
  });

  it('treats an HTML 404 as a missing extension', () => {
    const error = errorFromResponse('/envdoctor/report', 404, '<html><title>404 : Not Found</title></html>');

    expect(error).toBeInstanceOf(ServerExtensionMissingError);
    expect(error.message).toContain('server extension not enabled: run `jupyter server extension list`');
  });

  it('names the status of other HTML errors', () => {
    const error = errorFromResponse('/envdoctor/report', 502, 'Bad Gateway');

    expect(error).toBeInstanceOf(RequestError);
    expect(error.message).toBe('/envdoctor/report returned HTTP 502');
  });
});

describe('checkCompatibility', () => {
  it('accepts the same release', () => {
    expect(() => checkCompatibility(report(), '0.1.0')).not.toThrow();
    expect(() => checkCompatibility(report({ tool: { name: 'jupyter-envdoctor', version: '0.1.0.dev3' } }), '0.1.0')).not.toThrow();
  });

  it('compares versions as numbers', () => {
    expect(releaseParts('0.10.0')).toEqual([0, 10, 0]);
    expect(releaseParts('1.2')).toEqual([1, 2, 0]);
    expect(releaseParts('dev')).toBeNull();
    expect(() => checkCompatibility(report({ tool: { name: 'jupyter-envdoctor', version: '0.10.0' } }), '0.1.0')).toThrow(/0\.10\.0/);
  });

  it('rejects another tool', () => {
    expect(() => checkCompatibility(report({ tool: { name: 'other', version: '0.1.0' } }), '0.1.0')).toThrow();
  });
});

describe('suggestRegistration', () => {
  it('makes a free kernel name and the server default display name', () => {
    const env = environment('My Env', { python_version: '3.10.4' });

    expect(suggestRegistration(env, ['my-env', 'my-env-2'])).toEqual({
      name: 'my-env-3',
      displayName: 'Python 3.10 (My Env)'
    });
  });

  it('falls back when the name has no usable characters', () => {
    const env = environment('..', { python_version: null });

    expect(suggestRegistration(env, [])).toEqual({ name: 'python-env', displayName: 'Python 3 (..)' });
  });
});

describe('PANEL_VERSION', () => {
  it('equals the version in package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf-8'));

    expect(PANEL_VERSION).toBe(pkg.version);
  });
});
