/** Translated texts that several parts of the panel show. */
import { TranslationBundle } from '@jupyterlab/translation';

import {
  EnvDoctorError,
  RequestError,
  ServerExtensionMissingError,
  ServerUnreachableError,
  ServerVersionError
} from './errors';
import { KernelStatus } from './findings';
import { Severity } from './types';

/** Return the message the panel shows for an error of a request. */
export function describeError(error: EnvDoctorError, trans: TranslationBundle): string {
  if (error instanceof ServerExtensionMissingError) {
    return trans.__(
      'Server extension not enabled: run `jupyter server extension list` in the environment that runs JupyterLab, then `jupyter server extension enable jupyter_envdoctor` and restart JupyterLab.'
    );
  }
  if (error instanceof ServerVersionError) {
    return trans.__(
      'Server extension version %1 does not match this panel (version %2): run `jupyter server extension list`, install one version of jupyter-envdoctor in the environment that runs JupyterLab, restart it and reload this page.',
      error.serverVersion,
      error.panelVersion
    );
  }
  if (error instanceof ServerUnreachableError) {
    return trans.__('The Jupyter server did not reply: %1', error.message);
  }
  if (error instanceof RequestError) {
    return trans.__('The server extension replied with HTTP %1: %2', error.status, error.message);
  }
  return trans.__('Request failed: %1', error.message);
}

export function severityLabel(severity: Severity, trans: TranslationBundle): string {
  switch (severity) {
    case 'error':
      return trans.__('error');
    case 'warning':
      return trans.__('warning');
    default:
      return trans.__('info');
  }
}

export function statusLabel(status: KernelStatus, trans: TranslationBundle): string {
  switch (status) {
    case 'error':
      return trans.__('error');
    case 'warning':
      return trans.__('warning');
    default:
      return trans.__('ok');
  }
}

/** Return the instructions to revert a fix run. */
export function undoHint(run: string, trans: TranslationBundle): string {
  return trans.__(
    'To revert run %1, use the Undo button of the panel or the notification, or run `jupyter envdoctor undo` in a terminal.',
    run
  );
}
