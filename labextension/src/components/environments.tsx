import { TranslationBundle } from '@jupyterlab/translation';
import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IEnvironmentRow } from '../model';
import { IEnvironment } from '../types';

function EnvironmentView(props: {
  row: IEnvironmentRow;
  onRegister: (environment: IEnvironment) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { row, trans } = props;
  const env = row.environment;
  return (
    <li className="jp-EnvDoctor-environment" data-environment={env.id} data-prefix={env.prefix}>
      <div className="jp-EnvDoctor-rowTitle">
        <span className="jp-EnvDoctor-badge jp-EnvDoctor-kind">{env.kind}</span>
        <span className="jp-EnvDoctor-name">{env.name}</span>
        {env.python_version && (
          <span className="jp-EnvDoctor-muted">
            {trans.__('Python %1', env.python_version)}
          </span>
        )}
        {env.is_server && (
          <span className="jp-EnvDoctor-badge">{trans.__('server')}</span>
        )}
      </div>
      <div className="jp-EnvDoctor-path">{env.prefix}</div>
      <div className="jp-EnvDoctor-detail">
        {row.used
          ? trans.__('Used by kernels: %1', env.kernels.join(', '))
          : trans.__('No kernel uses it.')}
        {!env.has_ipykernel && ' ' + trans.__('ipykernel is not installed in it.')}
      </div>
      {env.error && <div className="jp-EnvDoctor-reason">{env.error}</div>}
      <Button
        small
        className="jp-EnvDoctor-registerButton"
        disabled={!row.canRegister}
        title={
          row.canRegister
            ? trans.__('Write a kernel spec that runs this environment')
            : trans.__('Install ipykernel in this environment first')
        }
        onClick={() => props.onRegister(env)}
      >
        {trans.__('Register kernel')}
      </Button>
    </li>
  );
}

/** Render the environments section: kind, kernels that use each one, and a register button. */
export function EnvironmentsSection(props: {
  rows: IEnvironmentRow[];
  onRegister: (environment: IEnvironment) => void;
  trans: TranslationBundle;
}): JSX.Element {
  if (props.rows.length === 0) {
    return <p className="jp-EnvDoctor-empty">{props.trans.__('No Python environments found.')}</p>;
  }
  return (
    <ul className="jp-EnvDoctor-list">
      {props.rows.map(row => (
        <EnvironmentView
          key={row.environment.id}
          row={row}
          onRegister={props.onRegister}
          trans={props.trans}
        />
      ))}
    </ul>
  );
}
