import { beforeEach, describe, expect, it, vi } from 'vitest';

import {
  RequestError,
  ServerExtensionMissingError,
  ServerUnreachableError
} from '../src/errors';
import { requestAPI } from '../src/request';

const makeRequest = vi.fn();

vi.mock('@jupyterlab/services', () => ({
  ServerConnection: {
    makeSettings: () => ({ baseUrl: 'http://127.0.0.1:8888/base/' }),
    makeRequest: (...args: unknown[]) => makeRequest(...args)
  }
}));

function reply(status: number, body: string): Response {
  return new Response(body, { status });
}

describe('requestAPI', () => {
  beforeEach(() => {
    makeRequest.mockReset();
  });

  it('sends to the envdoctor route and decodes JSON', async () => {
    makeRequest.mockResolvedValue(reply(200, '{"schema_version": 1}'));

    const data = await requestAPI<{ schema_version: number }>('report?refresh=1');

    expect(data).toEqual({ schema_version: 1 });
    expect(makeRequest.mock.calls[0][0]).toBe('http://127.0.0.1:8888/base/envdoctor/report?refresh=1');
  });

  it('passes the method and body on', async () => {
    makeRequest.mockResolvedValue(reply(201, '{"name": "analysis"}'));
    const init = { method: 'POST', body: '{"environment": "abc"}' };

    await requestAPI('kernels', init);

    expect(makeRequest.mock.calls[0][1]).toBe(init);
  });

  it('raises a missing extension for an HTML 404', async () => {
    makeRequest.mockResolvedValue(reply(404, '<html>404 : Not Found</html>'));

    await expect(requestAPI('report')).rejects.toBeInstanceOf(ServerExtensionMissingError);
  });

  it('raises the server message for a JSON error', async () => {
    makeRequest.mockResolvedValue(
      reply(409, '{"message": "no applied fix run to undo", "reason": "Conflict"}')
    );

    const error = await requestAPI('undo', { method: 'POST' }).catch(e => e);

    expect(error).toBeInstanceOf(RequestError);
    expect(error.status).toBe(409);
    expect(error.message).toBe('no applied fix run to undo');
  });

  it('raises unreachable when no reply arrives', async () => {
    makeRequest.mockRejectedValue(new TypeError('Failed to fetch'));

    const error = await requestAPI('report').catch(e => e);

    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect(error.message).toContain('Failed to fetch');
  });
});
