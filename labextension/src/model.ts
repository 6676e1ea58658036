/**
 * State of the envdoctor panel: the report, loading and error state, and the actions that
 * change kernel specs. It has no UI, so the tests drive it with the request helper mocked.
 */
import { ISignal, Signal } from '@lumino/signaling';

import { EnvDoctorError, RequestError } from './errors';
import {
  checkCompatibility,
  filterConflicts,
  findingsOfKernel,
  IConflictFilter,
  isConflict,
  kernelStatus,
  KernelStatus,
  selectSafeFixes
} from './findings';
import { requestAPI } from './request';
import {
  IAppliedFix,
  IEnvironment,
  IFinding,
  IFix,
  IFixPreview,
  IKernel,
  IRegisterRequest,
  IRegistration,
  IReport,
  IUndoResult
} from './types';
import { PANEL_VERSION } from './version';

/** A visible kernel with its status and the findings that name it. */
export interface IKernelRow {
  kernel: IKernel;
  status: KernelStatus;
  /** Findings other than conflicts, which the conflicts section lists. */
  findings: IFinding[];
  conflictCount: number;
}

/** An environment, and whether a kernel can be registered for it. */
export interface IEnvironmentRow {
  environment: IEnvironment;
  /** Whether a visible kernel runs this environment. */
  used: boolean;
  /** Whether its Python has ipykernel, so the server can register a kernel for it. */
  canRegister: boolean;
}

const STATUS_ORDER: Record<KernelStatus, number> = { error: 0, warning: 1, ok: 2 };

/** Result of applying several fixes one after the other. */
export interface IApplyAllResult {
  applied: IAppliedFix[];
  failed: { fix: IFix; error: EnvDoctorError }[];
}

export class EnvDoctorModel {
  constructor(options: { panelVersion?: string } = {}) {
    this._panelVersion = options.panelVersion ?? PANEL_VERSION;
  }

  /** Emitted whenever the report, the loading flag, the error or the settings change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get report(): IReport | null {
    return this._report;
  }

  get loading(): boolean {
    return this._loading;
  }

  /** The error of the last refresh, or null when it succeeded. */
  get error(): EnvDoctorError | null {
    return this._error;
  }

  get ignoredCodes(): ReadonlySet<string> {
    return this._ignoredCodes;
  }

  /** Set the finding codes to hide, as in the panel's settings; case does not matter. */
  setIgnoredCodes(codes: readonly string[]): void {
    this._ignoredCodes = new Set(codes.map(code => code.trim().toUpperCase()).filter(Boolean));
    this._changed.emit();
  }

  /** The report's findings without the ignored codes. */
  get findings(): IFinding[] {
    if (!this._report) {
      return [];
    }
    return this._report.findings.filter(finding => !this._ignoredCodes.has(finding.code));
  }

  /**
   * Load the report. With `rescan`, the server scans again first (`?refresh=1`); without it,
   * the server sends its cached report unless a watched file changed.
   *
   * When refreshes overlap, the state follows the one started last.
   */
  async refresh(options: { rescan?: boolean } = {}): Promise<void> {
    const token = ++this._refreshToken;
    this._loading = true;
    this._changed.emit();

    let report: IReport | null = null;
    let error: EnvDoctorError | null = null;
    try {
      report = await requestAPI<IReport>(options.rescan ? 'report?refresh=1' : 'report');
      checkCompatibility(report, this._panelVersion);
    } catch (reason) {
      error = asEnvDoctorError(reason);
    }

    if (token !== this._refreshToken) {
      return;
    }
    this._loading = false;
    this._error = error;
    if (error === null) {
      this._report = report;
    } else if (!(error instanceof RequestError)) {
      // The extension is missing, of another version or unreachable: the old report is stale.
      this._report = null;
    }
    this._changed.emit();
  }

  /**
   * Return each visible kernel with its status and findings: errors first, then warnings,
   * then ok, each group in the report's order (kernel dir search order).
   */
  kernelRows(): IKernelRow[] {
    const findings = this.findings;
    const rows = (this._report?.kernels ?? [])
      .filter(kernel => kernel.visible)
      .map(kernel => {
        const own = findingsOfKernel(findings, kernel.name);
        return {
          kernel,
          status: kernelStatus(kernel, findings),
          findings: own.filter(finding => !isConflict(finding)),
          conflictCount: own.filter(isConflict).length
        };
      });
    // Array.prototype.sort is stable, so the report's order stays within each status.
    return rows.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
  }

  /** Return every environment with whether a kernel uses it, the server's first. */
  environmentRows(): IEnvironmentRow[] {
    return (this._report?.environments ?? []).map(environment => ({
      environment,
      used: environment.kernels.length > 0,
      canRegister: environment.has_ipykernel && environment.python !== null
    }));
  }

  /** Return the P and I findings that pass the filter. */
  conflicts(filter: IConflictFilter): IFinding[] {
    return filterConflicts(this.findings, filter);
  }

  /** Return the names of the kernels that conflicts name, sorted, for the kernel filter. */
  conflictKernels(): string[] {
    const names = new Set<string>();
    for (const finding of this.findings.filter(isConflict)) {
      finding.kernels.forEach(name => names.add(name));
    }
    return [...names].sort();
  }

  /** Return the kernel spec fixes that "fix all safe" applies, as `jupyter envdoctor fix` picks. */
  safeFixes(): IFix[] {
    return selectSafeFixes(this.findings);
  }

  /** Return the diff that a fix would make now; changes nothing. */
  previewFix(fixId: string): Promise<IFixPreview> {
    return requestAPI<IFixPreview>(`fixes/${encodeURIComponent(fixId)}`);
  }

  /** Apply one kernel spec fix as a fix run, then reload the report. */
  async applyFix(fixId: string): Promise<IAppliedFix> {
    try {
      return await requestAPI<IAppliedFix>(`fixes/${encodeURIComponent(fixId)}`, {
        method: 'POST'
      });
    } finally {
      await this.refresh();
    }
  }

  /**
   * Apply each fix as its own fix run, in order, and carry on after a failure.
   *
   * A fix can fail because an earlier one changed the files it plans on (a removed spec).
   * Each failure is returned with its fix, and the report is reloaded once at the end.
   */
  async applyAll(fixes: IFix[]): Promise<IApplyAllResult> {
    const result: IApplyAllResult = { applied: [], failed: [] };
    for (const fix of fixes) {
      try {
        result.applied.push(
          await requestAPI<IAppliedFix>(`fixes/${encodeURIComponent(fix.id)}`, {
            method: 'POST'
          })
        );
      } catch (reason) {
        result.failed.push({ fix, error: asEnvDoctorError(reason) });
      }
    }
    await this.refresh();
    return result;
  }

  /** Register a kernel for an environment of the report, then reload the report. */
  async registerKernel(request: IRegisterRequest): Promise<IRegistration> {
    const body: IRegisterRequest = { environment: request.environment };
    if (request.name?.trim()) {
      body.name = request.name.trim();
    }
    if (request.display_name?.trim()) {
      body.display_name = request.display_name.trim();
    }
    try {
      return await requestAPI<IRegistration>('kernels', {
        method: 'POST',
        body: JSON.stringify(body)
      });
    } finally {
      await this.refresh();
    }
  }

  /** Revert the newest applied fix run, then reload the report. */
  async undo(): Promise<IUndoResult> {
    try {
      return await requestAPI<IUndoResult>('undo', { method: 'POST' });
    } finally {
      await this.refresh();
    }
  }

  /**
   * Reload the report every `seconds` without rescanning, while `isActive()` returns true;
   * 0 stops it. The server rescans only when a watched file changed, so a reload is cheap.
   */
  setAutoRefresh(seconds: number, isActive: () => boolean = () => true): void {
    if (this._timer !== null) {
      clearInterval(this._timer);
      this._timer = null;
    }
    if (seconds > 0) {
      this._timer = setInterval(() => {
        if (isActive() && !this._loading) {
          void this.refresh();
        }
      }, seconds * 1000);
    }
  }

  dispose(): void {
    this.setAutoRefresh(0);
    Signal.clearData(this);
  }

  private _panelVersion: string;
  private _report: IReport | null = null;
  private _loading = false;
  private _error: EnvDoctorError | null = null;
  private _ignoredCodes = new Set<string>();
  private _refreshToken = 0;
  private _timer: ReturnType<typeof setInterval> | null = null;
  private _changed = new Signal<this, void>(this);
}

/** Return `reason` as an EnvDoctorError, wrapping anything else (a JSON parse error). */
export function asEnvDoctorError(reason: unknown): EnvDoctorError {
  if (reason instanceof EnvDoctorError) {
    return reason;
  }
  return new EnvDoctorError(reason instanceof Error ? reason.message : String(reason));
}
