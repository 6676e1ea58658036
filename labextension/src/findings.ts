/**
 * Pure functions over a report: kernel status, conflicts, the safe fixes, and the version check.
 */
import { ServerVersionError } from './errors';
import { IEnvironment, IFinding, IFix, IKernel, IReport, Severity } from './types';
import { SCHEMA_VERSION } from './version';

export type KernelStatus = 'ok' | 'warning' | 'error';

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/**
 * Return whether a finding is a conflict: P3xx (where a package comes from) or I4xx (what an
 * import finds first).
 */
export function isConflict(finding: IFinding): boolean {
  return /^[PI]/.test(finding.code);
}

/** Return the findings that name `kernel`, most severe first (the server's order). */
export function findingsOfKernel(findings: IFinding[], kernel: string): IFinding[] {
  return findings.filter(finding => finding.kernels.includes(kernel));
}

/** Return a kernel's status: its most severe finding, where info findings count as ok. */
export function kernelStatus(kernel: IKernel, findings: IFinding[]): KernelStatus {
  let status: KernelStatus = kernel.error ? 'error' : 'ok';
  for (const finding of findingsOfKernel(findings, kernel.name)) {
    if (finding.severity === 'error') {
      return 'error';
    }
    if (finding.severity === 'warning') {
      status = 'warning';
    }
  }
  return status;
}

export interface IConflictFilter {
  /** Only conflicts that name this kernel; null for all. */
  kernel: string | null;
  /** Only conflicts at least this severe; null for all. */
  severity: Severity | null;
}

/** Return the P and I findings that pass `filter`. */
export function filterConflicts(findings: IFinding[], filter: IConflictFilter): IFinding[] {
  return findings.filter(finding => {
    if (!isConflict(finding)) {
      return false;
    }
    if (filter.kernel !== null && !finding.kernels.includes(filter.kernel)) {
      return false;
    }
    if (
      filter.severity !== null &&
      SEVERITY_RANK[finding.severity] > SEVERITY_RANK[filter.severity]
    ) {
      return false;
    }
    return true;
  });
}

/**
 * Return the fixes that `jupyter envdoctor fix` would apply to these findings, without commands.
 *
 * Fixes of one finding with different actions are alternatives, so only the first counts.
 * Fixes that all share one action are parts of one remedy, so all count. A fix named by two
 * findings is returned once.
 */
export function selectSafeFixes(findings: IFinding[]): IFix[] {
  const chosen: IFix[] = [];
  const seen = new Set<string>();
  for (const finding of findings) {
    const usable = finding.fixes.filter(fix => fix.applicable);
    const actions = new Set(usable.map(fix => fix.action));
    const picked = actions.size === 1 ? usable : usable.slice(0, 1);
    for (const fix of picked) {
      if (!seen.has(fix.id)) {
        seen.add(fix.id);
        chosen.push(fix);
      }
    }
  }
  return chosen;
}

/** Return the numeric release parts of a version such as `0.1.0` or `0.2.0.dev1`, or null. */
export function releaseParts(version: string): number[] | null {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!match) {
    return null;
  }
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

/**
 * Raise ServerVersionError unless the report comes from the same envdoctor release as the panel.
 *
 * Versions are compared by their numeric release parts, so `0.10.0` differs from `0.1.0`.
 */
export function checkCompatibility(report: IReport, panelVersion: string): void {
  const serverVersion = String(report?.tool?.version ?? '');
  const schema = typeof report?.schema_version === 'number' ? report.schema_version : null;
  const server = releaseParts(serverVersion);
  const panel = releaseParts(panelVersion);
  const sameRelease =
    server !== null && panel !== null && server.every((part, i) => part === panel[i]);
  if (report?.tool?.name !== 'jupyter-envdoctor' || schema !== SCHEMA_VERSION || !sameRelease) {
    throw new ServerVersionError(serverVersion || '?', panelVersion, schema);
  }
}

/**
 * Return the kernel name and display name the register dialog proposes for an environment,
 * made as the server makes them when the request names none.
 */
export function suggestRegistration(
  environment: IEnvironment,
  takenNames: readonly string[]
): { name: string; displayName: string } {
  const base =
    environment.name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '') || 'python-env';
  const taken = new Set(takenNames);
  let name = base;
  for (let n = 2; taken.has(name); n++) {
    name = `${base}-${n}`;
  }
  const minor = (environment.python_version || '3').split('.').slice(0, 2).join('.');
  return { name, displayName: `Python ${minor} (${environment.name})` };
}
