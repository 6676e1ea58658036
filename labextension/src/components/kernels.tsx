import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IKernelRow } from '../model';
import { FindingView, StatusBadge } from './common';

function KernelView(props: {
  row: IKernelRow;
  onApply: (fixId: string) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { row, trans } = props;
  const kernel = row.kernel;
  const runs = kernel.environment_prefix ?? kernel.interpreter ?? kernel.argv[0] ?? null;
  return (
    <li className="jp-EnvDoctor-kernel" data-kernel={kernel.name} data-status={row.status}>
      <div className="jp-EnvDoctor-rowTitle">
        <StatusBadge status={row.status} trans={trans} />
        <span className="jp-EnvDoctor-name">{kernel.display_name || kernel.name}</span>
        <span className="jp-EnvDoctor-muted">{kernel.name}</span>
      </div>
      <div className="jp-EnvDoctor-detail">
        {kernel.error
          ? trans.__('Invalid kernel spec: %1', kernel.error)
          : runs
            ? trans.__('Runs %1', runs)
            : trans.__('Runs an unknown environment')}
        {kernel.python_version && ' · ' + trans.__('Python %1', kernel.python_version)}
      </div>
      {kernel.spec_path && <div className="jp-EnvDoctor-path">{kernel.spec_path}</div>}
      {row.findings.map((finding, i) => (
        <FindingView key={i} finding={finding} onApply={props.onApply} trans={trans} />
      ))}
      {row.conflictCount > 0 && (
        <div className="jp-EnvDoctor-muted">
          {trans._n(
            '%1 package or import-path finding: see Conflicts.',
            '%1 package or import-path findings: see Conflicts.',
            row.conflictCount
          )}
        </div>
      )}
    </li>
  );
}

/** Render the kernels section: each visible kernel, the environment it runs, its findings. */
export function KernelsSection(props: {
  rows: IKernelRow[];
  onApply: (fixId: string) => void;
  trans: TranslationBundle;
}): JSX.Element {
  if (props.rows.length === 0) {
    return <p className="jp-EnvDoctor-empty">{props.trans.__('No kernel specs found.')}</p>;
  }
  return (
    <ul className="jp-EnvDoctor-list">
      {props.rows.map(row => (
        <KernelView key={row.kernel.name} row={row} onApply={props.onApply} trans={props.trans} />
      ))}
    </ul>
  );
}
