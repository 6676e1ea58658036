/** The left-sidebar panel: a status header, a toolbar, and one accordion section per topic. */
import { ReactWidget, UseSignal } from '@jupyterlab/apputils';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { refreshIcon, SidePanel, ToolbarButton, undoIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { AccordionPanel, Panel, Widget } from '@lumino/widgets';
import * as React from 'react';

import { ConflictsSection } from './components/conflicts';
import { EnvironmentsSection } from './components/environments';
import { KernelsSection } from './components/kernels';
import { StatusView } from './components/status';
import { PanelController } from './controller';
import { envDoctorIcon } from './icons';
import { EnvDoctorModel } from './model';

export const PANEL_ID = 'jupyter-envdoctor-panel';

/**
 * A section whose content is rendered again on every change of the model. Sections that need
 * the report pass `placeholder`, which they show while there is none.
 */
function section(
  model: EnvDoctorModel,
  className: string,
  title: string,
  render: () => JSX.Element,
  placeholder?: string
): ReactWidget {
  const content = () =>
    placeholder !== undefined && model.report === null ? (
      <p className="jp-EnvDoctor-empty">{placeholder}</p>
    ) : (
      render()
    );
  const widget = ReactWidget.create(
    <UseSignal signal={model.changed}>{() => content()}</UseSignal>
  );
  widget.addClass('jp-EnvDoctor-section');
  widget.addClass(className);
  widget.title.label = title;
  return widget;
}

export class EnvDoctorPanel extends SidePanel {
  constructor(controller: PanelController, translator: ITranslator) {
    super({ translator, header: new Panel() });
    const trans: TranslationBundle = translator.load('jupyter_envdoctor');
    const model = controller.model;
    this._model = model;

    this.id = PANEL_ID;
    this.addClass('jp-EnvDoctor');
    this.title.icon = envDoctorIcon;
    this.title.caption = trans.__('Environment Doctor');

    const heading = new Widget({ node: document.createElement('h2') });
    heading.node.textContent = trans.__('Environment Doctor');
    this.header.addWidget(heading);
    this.header.addWidget(
      section(model, 'jp-EnvDoctor-statusSection', trans.__('Status'), () => (
        <StatusView model={model} onRetry={() => void model.refresh()} trans={trans} />
      ))
    );

    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: trans.__('Scan kernels and environments again'),
        onClick: () => void model.refresh({ rescan: true })
      })
    );
    this.toolbar.addItem(
      'undo',
      new ToolbarButton({
        icon: undoIcon,
        tooltip: trans.__('Undo the newest fix run or registration'),
        onClick: () => void controller.undo()
      })
    );
    this.toolbar.addItem(
      'fix-all',
      new ToolbarButton({
        label: trans.__('Fix all safe'),
        tooltip: trans.__('Show every kernel spec fix with its diff, then apply them'),
        onClick: () => void controller.fixAllSafe()
      })
    );

    const onApply = (fixId: string) => void controller.applyFix(fixId);
    const noReport = trans.__('No report loaded.');
    this.addWidget(
      section(model, 'jp-EnvDoctor-kernels', trans.__('Kernels'), () => (
        <KernelsSection rows={model.kernelRows()} onApply={onApply} trans={trans} />
      ), noReport)
    );
    this.addWidget(
      section(model, 'jp-EnvDoctor-environments', trans.__('Environments'), () => (
        <EnvironmentsSection
          rows={model.environmentRows()}
          onRegister={environment => void controller.registerKernel(environment)}
          trans={trans}
        />
      ), noReport)
    );
    this.addWidget(
      section(model, 'jp-EnvDoctor-conflictsSection', trans.__('Conflicts'), () => (
        <ConflictsSection model={model} onApply={onApply} trans={trans} />
      ), noReport)
    );
    // Kernels get the most room: they have the findings and fixes.
    (this.content as AccordionPanel).setRelativeSizes([3, 2, 1]);
  }

  /** Load the report the first time the panel is shown. */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (!this._model.report && !this._model.loading && !this._model.error) {
      void this._model.refresh();
    }
  }

  private _model: EnvDoctorModel;
}
