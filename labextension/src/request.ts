import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { errorFromResponse, ServerUnreachableError } from './errors';

/** URL prefix of the server extension's routes, below the server's base URL. */
export const API_NAMESPACE = 'envdoctor';

/**
 * Send a request to `<base_url>/envdoctor/<endpoint>` and return the decoded JSON reply.
 *
 * Raises ServerExtensionMissingError for a 404 with no envdoctor reply, RequestError for
 * any other error status, and ServerUnreachableError when no reply arrived.
 */
export async function requestAPI<T>(
  endpoint: string,
  init: RequestInit = {}
): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endpoint);

  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerUnreachableError(url, String(error));
  }

  const body = await response.text();
  if (!response.ok) {
    throw errorFromResponse(url, response.status, body);
  }
  return (body ? JSON.parse(body) : null) as T;
}
