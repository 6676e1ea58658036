/** Small pieces that several sections share: severity badges and a finding with its fixes. */
import { TranslationBundle } from '@jupyterlab/translation';
import { Button } from '@jupyterlab/ui-components';
import * as React from 'react';

import { KernelStatus } from '../findings';
import { severityLabel, statusLabel } from '../messages';
import { IFinding, IFix, Severity } from '../types';

export function SeverityBadge(props: {
  severity: Severity;
  trans: TranslationBundle;
}): JSX.Element {
  return (
    <span className={`jp-EnvDoctor-badge jp-EnvDoctor-${props.severity}`}>
      {severityLabel(props.severity, props.trans)}
    </span>
  );
}

export function StatusBadge(props: {
  status: KernelStatus;
  trans: TranslationBundle;
}): JSX.Element {
  return (
    <span className={`jp-EnvDoctor-badge jp-EnvDoctor-status-${props.status}`}>
      {statusLabel(props.status, props.trans)}
    </span>
  );
}

/** Return an evidence value as one line: lists joined by commas, objects as JSON. */
function formatEvidence(value: unknown): string {
  if (value === null || value === undefined) {
    return '-';
  }
  if (Array.isArray(value)) {
    return value.map(item => (typeof item === 'string' ? item : JSON.stringify(item))).join(', ');
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return String(value);
}

function EvidenceList(props: { evidence: Record<string, unknown> }): JSX.Element {
  return (
    <dl className="jp-EnvDoctor-evidence">
      {Object.entries(props.evidence).map(([key, value]) => (
        <React.Fragment key={key}>
          <dt>{key}</dt>
          <dd>{formatEvidence(value)}</dd>
        </React.Fragment>
      ))}
    </dl>
  );
}

function FixRow(props: {
  fix: IFix;
  onApply: (fixId: string) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { fix, trans } = props;
  if (!fix.applicable) {
    return (
      <li className="jp-EnvDoctor-fix">
        <span>{fix.title}</span>
        {fix.command && (
          <div className="jp-EnvDoctor-command">
            {trans.__('Run in a terminal:')} <code>{fix.command}</code>
          </div>
        )}
      </li>
    );
  }
  return (
    <li className="jp-EnvDoctor-fix" data-fix-id={fix.id}>
      <span>{fix.title}</span>
      <Button
        small
        className="jp-EnvDoctor-applyButton"
        title={trans.__('Show the diff of this fix, then apply it')}
        onClick={() => props.onApply(fix.id)}
      >
        {trans.__('Apply…')}
      </Button>
    </li>
  );
}

/** A finding: severity, code and title, its evidence on demand, and its fixes. */
export function FindingView(props: {
  finding: IFinding;
  onApply: (fixId: string) => void;
  trans: TranslationBundle;
}): JSX.Element {
  const { finding, trans } = props;
  return (
    <div className="jp-EnvDoctor-finding" data-code={finding.code}>
      <div className="jp-EnvDoctor-findingTitle">
        <SeverityBadge severity={finding.severity} trans={trans} />
        <span className="jp-EnvDoctor-code">{finding.code}</span>
        <span>{finding.title}</span>
      </div>
      <details className="jp-EnvDoctor-details">
        <summary>{trans.__('Evidence')}</summary>
        <EvidenceList evidence={finding.evidence} />
      </details>
      {finding.fixes.length > 0 && (
        <ul className="jp-EnvDoctor-fixes">
          {finding.fixes.map(fix => (
            <FixRow key={fix.id} fix={fix} onApply={props.onApply} trans={trans} />
          ))}
        </ul>
      )}
    </div>
  );
}
