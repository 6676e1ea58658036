/**
 * jupyter-envdoctor's JupyterLab plugin: the sidebar panel, its commands and its settings.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

import { PanelController } from './controller';
import { EnvDoctorModel } from './model';
import { EnvDoctorPanel, PANEL_ID } from './panel';

const PLUGIN_ID = 'jupyter-envdoctor:plugin';

export namespace CommandIDs {
  export const open = 'envdoctor:open';
  export const refresh = 'envdoctor:refresh';
  export const fixAllSafe = 'envdoctor:fix-all-safe';
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'A sidebar that shows which environment each kernel runs, and fixes kernel specs.',
  autoStart: true,
  // It uses only the generic shell's add and activateById, so it does not require ILabShell.
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    settingRegistry: ISettingRegistry | null,
    translator: ITranslator | null
  ) => {
    translator = translator ?? nullTranslator;
    const trans = translator.load('jupyter_envdoctor');

    const model = new EnvDoctorModel();
    const controller = new PanelController({
      model,
      trans,
      refreshKernelSpecs: () => app.serviceManager.kernelspecs.refreshSpecs()
    });
    const panel = new EnvDoctorPanel(controller, translator);
    app.shell.add(panel, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(panel, PANEL_ID);
    }

    const category = trans.__('Environment Doctor');
    app.commands.addCommand(CommandIDs.open, {
      label: trans.__('Open Environment Doctor Panel'),
      caption: trans.__('Show which environment each kernel runs'),
      execute: () => app.shell.activateById(PANEL_ID)
    });
    app.commands.addCommand(CommandIDs.refresh, {
      label: trans.__('Refresh Environment Doctor'),
      caption: trans.__('Scan kernels and environments again'),
      execute: () => model.refresh({ rescan: true })
    });
    app.commands.addCommand(CommandIDs.fixAllSafe, {
      label: trans.__('Fix All Safe Kernel Spec Problems'),
      caption: trans.__('Show every kernel spec fix with its diff, then apply them'),
      execute: async () => {
        app.shell.activateById(PANEL_ID);
        if (!model.report) {
          await model.refresh();
        }
        await controller.fixAllSafe();
      }
    });
    if (palette) {
      for (const command of [CommandIDs.open, CommandIDs.refresh, CommandIDs.fixAllSafe]) {
        palette.addItem({ command, category });
      }
    }

    if (settingRegistry) {
      const applySettings = (settings: ISettingRegistry.ISettings) => {
        const ignored = settings.get('ignoredCodes').composite as string[];
        const interval = settings.get('autoRefreshSeconds').composite as number;
        model.setIgnoredCodes(ignored ?? []);
        model.setAutoRefresh(interval ?? 0, () => panel.isVisible);
      };
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          applySettings(settings);
          settings.changed.connect(applySettings);
        })
        .catch(reason => {
          console.error('jupyter-envdoctor: loading the settings failed', reason);
        });
    }
  }
};

export default plugin;
