/**
 * Actions behind the panel's buttons and commands: preview, confirm, change through the model,
 * refresh the app's kernel specs, and notify the user of the change and how to undo it.
 */
import { Notification } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';

import {
  askRegistration,
  confirmFix,
  confirmFixes,
  showChangeDetails,
  showMessage
} from './dialogs';
import { EnvDoctorError } from './errors';
import { suggestRegistration } from './findings';
import { describeError } from './messages';
import { asEnvDoctorError, EnvDoctorModel } from './model';
import { IEnvironment, IFileChange, IFixPreview } from './types';

export interface IControllerOptions {
  model: EnvDoctorModel;
  trans: TranslationBundle;
  /** Reload the kernel specs of the app, so the launcher and kernel picker see changes. */
  refreshKernelSpecs: () => Promise<void>;
}

export class PanelController {
  constructor(options: IControllerOptions) {
    this.model = options.model;
    this._trans = options.trans;
    this._refreshKernelSpecs = options.refreshKernelSpecs;
  }

  readonly model: EnvDoctorModel;

  /** Show a fix's diff, and apply it when the user confirms. */
  async applyFix(fixId: string): Promise<void> {
    const trans = this._trans;
    let preview: IFixPreview;
    try {
      preview = await this.model.previewFix(fixId);
    } catch (error) {
      this._notifyError(trans.__('Could not preview fix %1', fixId), error);
      return;
    }
    if (!(await confirmFix(preview, trans))) {
      return;
    }

    try {
      const applied = await this.model.applyFix(fixId);
      await this._refreshSpecsQuietly();
      this._notifyChange(trans.__('Applied: %1', applied.fix.title), applied.run, applied.changes);
    } catch (error) {
      this._notifyError(trans.__('Could not apply fix %1', fixId), error);
    }
  }

  /** Show every safe fix with its diff, and apply them all when the user confirms. */
  async fixAllSafe(): Promise<void> {
    const trans = this._trans;
    const fixes = this.model.safeFixes();
    if (fixes.length === 0) {
      Notification.info(trans.__('No kernel spec fixes to apply.'), { autoClose: 5000 });
      return;
    }

    let previews: IFixPreview[];
    try {
      previews = await Promise.all(fixes.map(fix => this.model.previewFix(fix.id)));
    } catch (error) {
      this._notifyError(trans.__('Could not preview the fixes'), error);
      return;
    }
    if (!(await confirmFixes(previews, trans))) {
      return;
    }

    const result = await this.model.applyAll(fixes);
    await this._refreshSpecsQuietly();
    if (result.applied.length > 0) {
      Notification.success(
        trans._n(
          'Applied %1 fix as its own fix run. Undo reverts the newest run; run it again for earlier ones.',
          'Applied %1 fixes, each as its own fix run. Undo reverts the newest run; run it again for earlier ones.',
          result.applied.length
        ),
        { autoClose: 10000, actions: [this._undoAction()] }
      );
    }
    for (const failure of result.failed) {
      this._notifyError(trans.__('Could not apply: %1', failure.fix.title), failure.error);
    }
  }

  /** Ask for a name and display name, register the kernel, and refresh the app's kernel specs. */
  async registerKernel(environment: IEnvironment): Promise<void> {
    const trans = this._trans;
    const takenNames = (this.model.report?.kernels ?? []).map(kernel => kernel.name);
    const values = await askRegistration(
      environment,
      suggestRegistration(environment, takenNames),
      trans
    );
    if (values === null) {
      return;
    }

    try {
      const registration = await this.model.registerKernel({
        environment: environment.id,
        name: values.name,
        display_name: values.displayName
      });
      await this._refreshSpecsQuietly();
      this._notifyChange(
        trans.__(
          'Registered kernel "%1" (%2) in your user kernel dir.',
          registration.display_name,
          registration.name
        ),
        registration.run,
        [{ path: registration.spec_path, change: 'written' }]
      );
    } catch (error) {
      this._notifyError(trans.__('Could not register a kernel for %1', environment.prefix), error);
    }
  }

  /** Revert the newest fix run or registration. */
  async undo(): Promise<void> {
    const trans = this._trans;
    try {
      const result = await this.model.undo();
      await this._refreshSpecsQuietly();
      Notification.success(
        trans._n(
          'Undid run %2: restored %1 file.',
          'Undid run %2: restored %1 files.',
          result.files.length,
          result.run
        ),
        { autoClose: 10000 }
      );
    } catch (error) {
      this._notifyError(trans.__('Could not undo'), error);
    }
  }

  /**
   * Tell the user what changed. Toasts cut messages after 140 characters, so the written files
   * and the undo command are in a Details dialog.
   */
  private _notifyChange(message: string, run: string, changes: IFileChange[]): void {
    const trans = this._trans;
    Notification.success(message, {
      autoClose: 15000,
      actions: [
        this._undoAction(),
        {
          label: trans.__('Details'),
          caption: trans.__('Show the files that were changed and how to undo it'),
          callback: () => {
            void showChangeDetails(message, run, changes, trans);
          }
        }
      ]
    });
  }

  private _undoAction(): Notification.IAction {
    return {
      label: this._trans.__('Undo'),
      caption: this._trans.__('Revert the newest fix run'),
      callback: () => {
        void this.undo();
      }
    };
  }

  /** Refresh the app's kernel specs; a failure there must not hide the change that was made. */
  private async _refreshSpecsQuietly(): Promise<void> {
    try {
      await this._refreshKernelSpecs();
    } catch (error) {
      console.warn('jupyter-envdoctor: refreshing the kernel specs failed', error);
    }
  }

  private _notifyError(summary: string, error: unknown): void {
    const reason: EnvDoctorError = asEnvDoctorError(error);
    console.error(`jupyter-envdoctor: ${summary}`, reason);
    const message = `${summary}: ${describeError(reason, this._trans)}`;
    Notification.error(message, {
      autoClose: false,
      actions: [
        {
          label: this._trans.__('Details'),
          caption: this._trans.__('Show the whole message'),
          callback: () => {
            void showMessage(summary, message, this._trans);
          }
        }
      ]
    });
  }

  private _trans: TranslationBundle;
  private _refreshKernelSpecs: () => Promise<void>;
}
