import { TranslationBundle } from '@jupyterlab/translation';
import { HTMLSelect } from '@jupyterlab/ui-components';
import * as React from 'react';

import { IConflictFilter } from '../findings';
import { EnvDoctorModel } from '../model';
import { Severity } from '../types';
import { FindingView } from './common';

const ALL = '';

/** Render the conflicts section: P and I findings, filtered by kernel and minimum severity. */
export function ConflictsSection(props: {
  model: EnvDoctorModel;
  onApply: (fixId: string) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { model, trans } = props;
  const [filter, setFilter] = React.useState<IConflictFilter>({ kernel: null, severity: null });
  const kernels = model.conflictKernels();
  const conflicts = model.conflicts(filter);

  return (
    <div className="jp-EnvDoctor-conflicts">
      <div className="jp-EnvDoctor-filters">
        <label>
          {trans.__('Kernel')}
          <HTMLSelect
            className="jp-EnvDoctor-kernelFilter"
            value={filter.kernel ?? ALL}
            onChange={event =>
              setFilter({ ...filter, kernel: event.target.value || null })
            }
            options={[
              { value: ALL, label: trans.__('All kernels') },
              ...kernels.map(name => ({ value: name, label: name }))
            ]}
          />
        </label>
        <label>
          {trans.__('Severity')}
          <HTMLSelect
            className="jp-EnvDoctor-severityFilter"
            value={filter.severity ?? ALL}
            onChange={event =>
              setFilter({ ...filter, severity: (event.target.value || null) as Severity | null })
            }
            options={[
              { value: ALL, label: trans.__('All') },
              { value: 'error', label: trans.__('Errors') },
              { value: 'warning', label: trans.__('Warnings and errors') }
            ]}
          />
        </label>
      </div>
      {conflicts.length === 0 ? (
        <p className="jp-EnvDoctor-empty">
          {trans.__('No package-source or import-path conflicts.')}
        </p>
      ) : (
        conflicts.map((finding, i) => (
          <FindingView key={i} finding={finding} onApply={props.onApply} trans={trans} />
        ))
      )}
    </div>
  );
}
