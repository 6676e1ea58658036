/**
 * Typed errors of the envdoctor REST API, so the panel can tell a missing server extension
 * from a failed action. Messages here are English for logs; the panel shows translated ones.
 */

/** Base of every error the panel's requests raise. */
export class EnvDoctorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The server replied 404 with no envdoctor error body, so the server extension is not loaded. */
export class ServerExtensionMissingError extends EnvDoctorError {
  constructor(readonly url: string) {
    super(
      `server extension not enabled: run \`jupyter server extension list\` (${url} returned 404)`
    );
  }
}

/** The server extension is of another version than this panel. */
export class ServerVersionError extends EnvDoctorError {
  constructor(
    readonly serverVersion: string,
    readonly panelVersion: string,
    readonly schemaVersion: number | null
  ) {
    super(
      `server extension version ${serverVersion} (report schema ${schemaVersion}) ` +
        `does not match the panel's version ${panelVersion}`
    );
  }
}

/** The server extension replied with an error status and its JSON message. */
export class RequestError extends EnvDoctorError {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string | null
  ) {
    super(message);
  }
}

/** The request did not reach the server (it stopped, or the network failed). */
export class ServerUnreachableError extends EnvDoctorError {
  constructor(readonly url: string, cause: string) {
    super(`request to ${url} failed: ${cause}`);
  }
}

/**
 * Return the error for a failed reply from its status and body text.
 *
 * jupyter_server's APIHandler sends errors as `{"message": ..., "reason": ...}`. A 404 whose
 * body is not such JSON comes from the server's catch-all page, so no envdoctor route exists.
 */
export function errorFromResponse(url: string, status: number, body: string): EnvDoctorError {
  let message: string | null = null;
  let reason: string | null = null;
  try {
    const data = JSON.parse(body);
    if (data && typeof data.message === 'string') {
      message = data.message;
      reason = typeof data.reason === 'string' ? data.reason : null;
    }
  } catch {
    // Not JSON: an HTML error page.
  }

  if (message === null) {
    if (status === 404) {
      return new ServerExtensionMissingError(url);
    }
    message = `${url} returned HTTP ${status}`;
  }
  return new RequestError(status, message, reason);
}
