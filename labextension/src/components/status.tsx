import { TranslationBundle } from '@jupyterlab/translation';
import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';

import { describeError } from '../messages';
import { EnvDoctorModel } from '../model';

/** Render the panel's header: loading, the error of the last refresh, or the report's summary. */
export function StatusView(props: {
  model: EnvDoctorModel;
  onRetry: () => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, trans } = props;
  const report = model.report;
  return (
    <div className="jp-EnvDoctor-status">
      {model.loading && (
        <div className="jp-EnvDoctor-loading" role="status">
          {trans.__('Scanning kernels and environments…')}
        </div>
      )}
      {model.error && (
        <div className="jp-EnvDoctor-error" role="alert">
          <p>{describeError(model.error, trans)}</p>
          <Button small onClick={props.onRetry}>
            {trans.__('Retry')}
          </Button>
        </div>
      )}
      {report && (
        <div className="jp-EnvDoctor-summary">
          {trans.__(
            '%1 errors, %2 warnings, %3 info',
            report.summary.errors,
            report.summary.warnings,
            report.summary.info
          )}
          <span className="jp-EnvDoctor-muted">
            {' · '}
            {trans.__('scanned %1', new Date(report.generated).toLocaleTimeString())}
          </span>
        </div>
      )}
      {!report && !model.loading && !model.error && (
        <div className="jp-EnvDoctor-muted">{trans.__('Not scanned yet.')}</div>
      )}
    </div>
  );
}
