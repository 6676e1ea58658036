/** Dialogs of the panel: a fix's diff before applying it, and the register form. */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import * as React from 'react';

import { undoHint } from './messages';
import { IEnvironment, IFileChange, IFixPreview } from './types';

function DiffView(props: { diff: string; trans: TranslationBundle }): JSX.Element {
  if (!props.diff) {
    return <p>{props.trans.__('The fix changes no file contents.')}</p>;
  }
  return (
    <pre className="jp-EnvDoctor-diff">
      {props.diff.split('\n').map((line, i) => {
        let kind = '';
        if (line.startsWith('+') && !line.startsWith('+++')) {
          kind = 'jp-EnvDoctor-diffAdded';
        } else if (line.startsWith('-') && !line.startsWith('---')) {
          kind = 'jp-EnvDoctor-diffRemoved';
        }
        return (
          <div key={i} className={kind}>
            {line || ' '}
          </div>
        );
      })}
    </pre>
  );
}

function PreviewBody(props: { preview: IFixPreview; trans: TranslationBundle }): JSX.Element {
  const { preview, trans } = props;
  return (
    <div className="jp-EnvDoctor-preview">
      <p>{preview.fix.title}</p>
      {preview.reason && <p className="jp-EnvDoctor-reason">{preview.reason}</p>}
      <ul>
        {preview.changes.map(change => (
          <li key={change.path}>
            {change.change === 'removed'
              ? trans.__('removes %1', change.path)
              : trans.__('writes %1', change.path)}
          </li>
        ))}
      </ul>
      <DiffView diff={preview.diff} trans={trans} />
    </div>
  );
}

/**
 * Show the diff a fix would make and return whether the user chose Apply. A fix that cannot
 * be applied now shows its reason and only a Close button.
 */
export async function confirmFix(
  preview: IFixPreview,
  trans: TranslationBundle
): Promise<boolean> {
  const canApply = preview.fix.applicable && preview.reason === null;
  const buttons = canApply
    ? [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: trans.__('Apply') })
      ]
    : [Dialog.cancelButton({ label: trans.__('Close') })];
  const result = await showDialog({
    title: canApply ? trans.__('Apply this fix?') : trans.__('This fix cannot be applied'),
    body: ReactWidget.create(<PreviewBody preview={preview} trans={trans} />),
    buttons
  });
  return canApply && result.button.accept;
}

/** Ask before applying several fixes, listing each with its diff. */
export async function confirmFixes(
  previews: IFixPreview[],
  trans: TranslationBundle
): Promise<boolean> {
  const body = (
    <div className="jp-EnvDoctor-preview">
      <p>
        {trans.__(
          'Each fix is applied as its own fix run, with a backup; Undo reverts the newest run first.'
        )}
      </p>
      {previews.map(preview => (
        <PreviewBody key={preview.fix.id} preview={preview} trans={trans} />
      ))}
    </div>
  );
  const result = await showDialog({
    title: trans._n('Apply %1 fix?', 'Apply %1 fixes?', previews.length),
    body: ReactWidget.create(body),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Apply All') })
    ]
  });
  return result.button.accept;
}

/** The register form: kernel name and display name, both editable. */
class RegisterForm extends Widget implements Dialog.IBodyWidget<IRegisterValues> {
  constructor(
    environment: IEnvironment,
    suggestion: { name: string; displayName: string },
    trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-EnvDoctor-registerForm');

    const intro = document.createElement('p');
    intro.textContent = trans.__(
      'Writes a kernel spec for %1 (%2) to your user kernel dir.',
      environment.prefix,
      environment.kind
    );
    this.node.appendChild(intro);

    this._name = this._addField(trans.__('Kernel name'), suggestion.name, 'name');
    this._displayName = this._addField(
      trans.__('Display name'),
      suggestion.displayName,
      'display_name'
    );
  }

  getValue(): IRegisterValues {
    return { name: this._name.value, displayName: this._displayName.value };
  }

  private _addField(label: string, value: string, fieldName: string): HTMLInputElement {
    const row = document.createElement('label');
    row.className = 'jp-EnvDoctor-field';
    row.textContent = label;
    const input = document.createElement('input');
    input.className = 'jp-mod-styled jp-EnvDoctor-input';
    input.name = fieldName;
    input.value = value;
    row.appendChild(input);
    this.node.appendChild(row);
    return input;
  }

  private _name: HTMLInputElement;
  private _displayName: HTMLInputElement;
}

export interface IRegisterValues {
  name: string;
  displayName: string;
}

/** Ask for the kernel name and display name; return null when the user cancels. */
export async function askRegistration(
  environment: IEnvironment,
  suggestion: { name: string; displayName: string },
  trans: TranslationBundle
): Promise<IRegisterValues | null> {
  const result = await showDialog({
    title: trans.__('Register a kernel for %1', environment.name),
    body: new RegisterForm(environment, suggestion, trans),
    buttons: [
      Dialog.cancelButton({ label: trans.__('Cancel') }),
      Dialog.okButton({ label: trans.__('Register') })
    ],
    focusNodeSelector: 'input'
  });
  return result.button.accept ? result.value : null;
}


/** Show what a fix run or registration changed, and how to revert it. */
export async function showChangeDetails(
  message: string,
  run: string,
  changes: IFileChange[],
  trans: TranslationBundle
): Promise<void> {
  const body = (
    <div className="jp-EnvDoctor-changeDetails">
      <p>{message}</p>
      <ul>
        {changes.map(change => (
          <li key={change.path}>
            {change.change === 'removed'
              ? trans.__('removed %1', change.path)
              : trans.__('wrote %1', change.path)}
          </li>
        ))}
      </ul>
      <p>{undoHint(run, trans)}</p>
    </div>
  );
  await showDialog({
    title: trans.__('Fix run %1', run),
    body: ReactWidget.create(body),
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
}

/** Show a message that a toast would cut short. */
export async function showMessage(
  title: string,
  message: string,
  trans: TranslationBundle
): Promise<void> {
  await showDialog({
    title,
    body: ReactWidget.create(<p className="jp-EnvDoctor-message">{message}</p>),
    buttons: [Dialog.okButton({ label: trans.__('Close') })]
  });
}
